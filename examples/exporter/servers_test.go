package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestParseServerSpec(t *testing.T) {
	t.Parallel()
	env := func(k string) string { return map[string]string{"S": "from-env"}[k] }
	tests := []struct {
		in      string
		want    serverSpec
		wantErr string
	}{
		{in: "https://bbb.example.org/bigbluebutton/,abc", want: serverSpec{url: "https://bbb.example.org/bigbluebutton/", secret: "abc"}},
		{in: " bbb1 = https://h/bigbluebutton/api , abc , SHA-512 ", want: serverSpec{name: "bbb1", url: "https://h/bigbluebutton/api", secret: "abc", alg: checksum.SHA512}},
		{in: "n=http://h/b/,env:S,sha1", want: serverSpec{name: "n", url: "http://h/b/", secret: "from-env", alg: checksum.SHA1}},
		{in: "https://h/b/", wantErr: "want [name=]URL"},
		{in: "a,b,c,d", wantErr: "want [name=]URL"},
		{in: "=https://h/b/,s", wantErr: "empty name"},
		{in: "ftp://h/b/,s", wantErr: "http or https URL"},
		{in: "n=,s", wantErr: "http or https URL"},
		{in: "https://h/b/,  ", wantErr: "empty secret"},
		{in: "https://h/b/,env:", wantErr: "needs a variable name"},
		{in: "https://h/b/,env:MISSING", wantErr: "MISSING is empty or unset"},
		{in: "https://h/b/,s,md5", wantErr: "unknown checksum"},
		{in: "a\x01b=https://h/b/,s", wantErr: "printable"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseServerSpec(tt.in, "-server 1", env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "-server 1: ") {
					t.Errorf("error %q does not say where", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseServersFile(t *testing.T) {
	t.Parallel()
	in := "# comment\n\n  a=https://a/bigbluebutton/,s1\nhttps://b/bigbluebutton/,s2,sha384\n"
	got, err := parseServersFile(strings.NewReader(in), "servers.txt", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := []serverSpec{
		{name: "a", url: "https://a/bigbluebutton/", secret: "s1"},
		{url: "https://b/bigbluebutton/", secret: "s2", alg: checksum.SHA384},
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseServersFile(strings.NewReader("# nothing\n"), "empty.txt", nil); err == nil || !strings.Contains(err.Error(), "no servers") {
		t.Errorf("empty file: err = %v", err)
	}
	_, err = parseServersFile(strings.NewReader("https://a/b/,s\nbroken-line-secretvalue\n"), "f.txt", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "f.txt:2: ") {
		t.Errorf("bad line: err = %v, want it located at f.txt:2", err)
	}
}

func TestParseBuckets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []float64
		ok   bool
	}{
		{"0,1,5", []float64{0, 1, 5}, true},
		{" 0.5 , 2 ", []float64{0.5, 2}, true},
		{"1,", nil, false},
		{"1abc", nil, false},
		{"", nil, false},
	}
	for _, tt := range tests {
		got, err := parseBuckets(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("parseBuckets(%q) = %v, %v", tt.in, got, err)
		}
	}
}

// FuzzParseServerSpec: never a panic, and an error never repeats the
// secret field.
func FuzzParseServerSpec(f *testing.F) {
	f.Add("bbb1=https://bbb.example.org/bigbluebutton/,topsecret,sha256")
	f.Add("https://h/b/,env:X")
	f.Add("=,,")
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseServerSpec(s, "fuzz", func(string) string { return "" })
		if err != nil {
			fields := strings.Split(s, ",")
			if len(fields) >= 2 {
				secret := strings.TrimSpace(fields[1])
				if len(secret) >= 8 && strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q repeats the secret field", err)
				}
			}
			return
		}
		if sp.secret == "" || sp.url == "" {
			t.Fatalf("accepted %q without URL or secret", s)
		}
	})
}

// FuzzParseBuckets: never a panic; accepted input yields one bound per
// comma-separated field.
func FuzzParseBuckets(f *testing.F) {
	f.Add("0,1,5,15")
	f.Add("1e3,NaN")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseBuckets(s)
		if err == nil && len(b) != strings.Count(s, ",")+1 {
			t.Fatalf("%q gave %d bounds", s, len(b))
		}
	})
}

func Example_serverSpec() {
	getenv := func(name string) string { return map[string]string{"BBB1_SECRET": "0123456789"}[name] }
	sp, err := parseServerSpec("bbb1=https://bbb1.example.org/bigbluebutton/,env:BBB1_SECRET,sha512", "-server 1", getenv)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sp.name, sp.url, sp.alg, len(sp.secret))
	_, err = parseServerSpec("https://bbb1.example.org/bigbluebutton/", "-server 2", getenv)
	fmt.Println(err)
	// Output:
	// bbb1 https://bbb1.example.org/bigbluebutton/ sha512 10
	// -server 2: want [name=]URL,SECRET[,ALGORITHM]
}
