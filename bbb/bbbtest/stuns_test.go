package bbbtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The vector was computed outside Go:
//
//	printf '%s' '1775034000:w_abc123' | openssl dgst -sha1 -hmac 'coturn-static-secret' -binary | base64
func TestTURNCredentialVector(t *testing.T) {
	t.Parallel()
	name, pw := turnCredential("coturn-static-secret", "w_abc123", time.Unix(1775034000, 0))
	if name != "1775034000:w_abc123" || pw != "YpvwfzCUu/Mpnk2knB/sGQnkGJM=" {
		t.Errorf("credential %q %q", name, pw)
	}
}

func TestStuns(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Unix(1775000000, 0))
	s := newTestServer(t, WithClock(clock.Now),
		WithSTUNServers("stun:stun.example.com:3478"),
		WithTURNServers("coturn-static-secret", time.Hour, "turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443?transport=tcp"))
	expectKey(t, get(t, s, "create", q("name", "Room", "meetingID", "room")), "SUCCESS", "")
	ju, err := s.Join("room", User{FullName: "Ada", Role: "MODERATOR"})
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		StunServers []struct{ URL string } `json:"stunServers"`
		TurnServers []struct {
			Username, Password, URL string
			TTL                     int64
		} `json:"turnServers"`
		RemoteIceCandidates []any `json:"remoteIceCandidates"`
	}
	resp, err := s.Client().Get(s.APIURL() + "stuns?sessionToken=" + ju.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("stuns: %d %v", resp.StatusCode, err)
	}
	if len(out.StunServers) != 1 || out.StunServers[0].URL != "stun:stun.example.com:3478" || len(out.TurnServers) != 2 || out.RemoteIceCandidates == nil {
		t.Fatalf("answer %+v", out)
	}
	wantName := strconv.FormatInt(1775000000+3600, 10) + ":" + ju.InternalUserID
	for _, ts := range out.TurnServers {
		mac := hmac.New(sha1.New, []byte("coturn-static-secret"))
		mac.Write([]byte(ts.Username))
		if ts.Username != wantName || ts.Password != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || ts.TTL != 3600 {
			t.Errorf("turn entry %+v, want username %s", ts, wantName)
		}
	}
	resp, err = s.Client().Get(s.APIURL() + "stuns?sessionToken=bogus")
	if err != nil {
		t.Fatal(err)
	}
	var failed struct{ Response struct{ Returncode string } }
	_ = json.NewDecoder(resp.Body).Decode(&failed)
	resp.Body.Close()
	if failed.Response.Returncode != "FAILED" {
		t.Errorf("bogus token: %+v", failed)
	}
	for _, bad := range []Option{WithSTUNServers("http://x"), WithTURNServers("", time.Hour), WithTURNServers("s", 0), WithTURNServers("s", time.Hour, "stun:x")} {
		if _, err := New(bad); err == nil {
			t.Error("bad STUN/TURN option accepted")
		}
	}
}
