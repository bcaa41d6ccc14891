package checksum

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const (
	secret1 = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
	query1  = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
	secret2 = "8cd8ef52e8e101574e400365b55e11a6"
)

var vectors = []struct {
	alg                 Algorithm
	call, query, secret string
	want                string
}{
	{SHA1, "create", query1, secret1, "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"},
	{SHA256, "create", query1, secret1, "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"},
	{SHA384, "create", query1, secret1, "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1"},
	{SHA512, "create", query1, secret1, "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4"},
	{SHA1, "create", strings.Replace(query1, "+", "%20", 1), secret1, "f1ae295e2cb9a9225152334d12c9db97d2bfee5b"},
	{SHA1, "getMeetings", "", secret2, "d23fef405937517be465ffccae12d5c1103a5e00"},
	{SHA1, "getRecordings", "meetingID=TestMeetingID", secret2, "765af7b0168adb286f3e07ee154d11f562b6a373"},
	{SHA1, "create", "allowStartStopRecording=true&attendeePW=AttendeePassword&autoStartRecording=false&meetingID=TestMeetingID&moderatorPW=ModeratorPassword&name=TestMeetingID&record=false&voiceBridge=71225", secret2, "cef439299383b3430967b5277ffec13c8e310001"},
	{SHA1, "getMeetings", "name=doe", "supersecret", "80207d6781a83ac95b86d3c3884809fcfb8040fc"},
	{SHA1, "join", "param1=value1&param2=value2", "1234567890abcdefghijkl", "67882ae54f49600f56f358c10d24697ef7d8c6b2"},
	{SHA256, "join", "param1=value1&param2=value2", "1234567890abcdefghijkl", "0e7b1611809fad890a114dddae1a37fecf14c28971afc10ee3eac432da5b8b41"},
	{SHA256, "getMeetings", "", secret1, "a5370c5f3d97d56d53b435684cdbc429c2898a3bf9f435518b4279e1e0dbfc8c"},
	{SHA1, "hooks/create", "callbackURL=https%3A%2F%2Fexample.com%2Fhook&meetingID=abc123", secret1, "16b93eb2a65766d42053526b38e68a1b7f1535d1"},
}

func TestSumVectors(t *testing.T) {
	t.Parallel()
	for _, v := range vectors {
		if got := Sum(v.alg, v.call, v.query, v.secret); got != v.want {
			t.Errorf("Sum(%v, %q, %q) = %s, want %s", v.alg, v.call, v.query, got, v.want)
		}
		if a, ok := Detect(v.want); !ok || a != v.alg {
			t.Errorf("Detect(%s) = %v, %v; want %v", v.want, a, ok, v.alg)
		}
	}
}

func TestSumLongInputStreams(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a=b&", 1000)
	for _, alg := range All {
		h := alg.New()
		h.Write([]byte("create" + long + "s"))
		want := Sum(alg, "create", long, "s")
		if len(want) != alg.HexLen() {
			t.Fatalf("%v: length %d", alg, len(want))
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("%v: long input: got %s want %s", alg, want, got)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	for _, v := range vectors {
		for _, raw := range []string{
			join(v.query, "checksum="+v.want),
			join("checksum="+v.want, v.query),
			join(v.query, "checksum="+strings.ToUpper(v.want)),
		} {
			if err := Verify(v.call, raw, v.secret); err != nil {
				t.Errorf("Verify(%q, %q): %v", v.call, raw, err)
			}
		}
	}
}

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	good := Sum(SHA256, "create", query1, secret1)
	tests := []struct {
		name    string
		raw     string
		allowed []Algorithm
		reason  Reason
	}{
		{"missing", query1, nil, Missing},
		{"empty", query1 + "&checksum=", nil, Missing},
		{"duplicate", query1 + "&checksum=" + good + "&checksum=" + good, nil, Duplicate},
		{"length", query1 + "&checksum=abc", nil, UnknownLength},
		{"not allowed", query1 + "&checksum=" + good, []Algorithm{SHA1, SHA512}, NotAllowed},
		{"wrong", query1 + "&checksum=" + strings.Repeat("0", 64), nil, Mismatch},
		{"tampered", strings.Replace(query1, "abc123", "abc124", 1) + "&checksum=" + good, nil, Mismatch},
		{"re-encoded", strings.Replace(query1, "+", "%20", 1) + "&checksum=" + good, nil, Mismatch},
		{"non-hex", query1 + "&checksum=" + strings.Repeat("z", 64), nil, Mismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify("create", tt.raw, secret1, tt.allowed...)
			var ce *Error
			if !errors.As(err, &ce) || ce.Reason != tt.reason {
				t.Fatalf("Verify = %v, want reason %v", err, tt.reason)
			}
			if !errors.Is(err, ErrChecksum) || !errors.Is(err, &Error{Reason: tt.reason}) {
				t.Errorf("errors.Is does not match %v", err)
			}
			if msg := err.Error(); strings.Contains(msg, secret1) || strings.Contains(msg, good) || strings.Contains(msg, "abc123") {
				t.Errorf("error leaks request data: %s", msg)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, sum, rest string
		n              int
	}{
		{"a=1&checksum=x", "x", "a=1", 1},
		{"checksum=x&a=1", "x", "a=1", 1},
		{"a=1&checksum=x&b=2", "x", "a=1&b=2", 1},
		{"checksum=x", "x", "", 1},
		{"a=1", "", "a=1", 0},
		{"a=1&checksum=x&checksum=y", "x", "a=1", 2},
		{"xchecksum=1&a=2", "", "xchecksum=1&a=2", 0},
		{"&a=1&checksum=x", "x", "&a=1", 1},
	}
	for _, tt := range tests {
		sum, rest, n := Split(tt.raw)
		if sum != tt.sum || rest != tt.rest || n != tt.n {
			t.Errorf("Split(%q) = %q, %q, %d; want %q, %q, %d", tt.raw, sum, rest, n, tt.sum, tt.rest, tt.n)
		}
	}
}

func TestParseAlgorithms(t *testing.T) {
	t.Parallel()
	got, err := ParseAlgorithms("[SHA1:sha-256, sha512]")
	if err != nil || len(got) != 3 || got[0] != SHA1 || got[1] != SHA256 || got[2] != SHA512 {
		t.Fatalf("ParseAlgorithms = %v, %v", got, err)
	}
	for _, bad := range []string{"", "md5", "sha1,sha3"} {
		if _, err := ParseAlgorithms(bad); err == nil {
			t.Errorf("ParseAlgorithms(%q): no error", bad)
		}
	}
	if Sum(Algorithm(9), "a", "b", "c") != "" || Algorithm(9).Valid() || Algorithm(9).HexLen() != 0 {
		t.Error("invalid algorithm accepted")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("create", query1+"&checksum="+Sum(SHA256, "create", query1, secret1), secret1)
	f.Add("getMeetings", "checksum=&checksum=", "s")
	f.Add("join", "&&&checksum=", "")
	f.Fuzz(func(t *testing.T, call, raw, secret string) {
		err := Verify(call, raw, secret)
		sum, rest, n := Split(raw)
		if err == nil {
			if n != 1 || Sum(mustDetect(t, sum), call, rest, secret) != strings.ToLower(sum) {
				t.Fatalf("accepted a request that does not verify: %q", raw)
			}
		}
		if strings.Contains(rest, "&checksum=") || strings.HasPrefix(rest, "checksum=") {
			t.Fatalf("Split left a checksum in %q", rest)
		}
	})
}

func mustDetect(t *testing.T, sum string) Algorithm {
	a, ok := Detect(sum)
	if !ok {
		t.Fatalf("accepted checksum of length %d", len(sum))
	}
	return a
}
