package bbbtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// learningDashboard over plain HTTP: the envelope of bbb-web, and a data
// document with who joined and left when and how many chat messages each
// user wrote.
func TestLearningDashboard(t *testing.T) {
	t.Parallel()
	clock := NewFakeClock(time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC))
	s := newTestServer(t, WithClock(clock.Now))
	expectKey(t, get(t, s, "create", q("name", "Physics", "meetingID", "phys")), "SUCCESS", "")
	ada, err := s.Join("phys", User{FullName: "Ada", Role: "MODERATOR", UserID: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	bob, err := s.Join("phys", User{FullName: "Bob", Role: "VIEWER", UserID: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.PostChat("phys", "bob", "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PostChat("phys", "nobody", "x"); err == nil {
		t.Error("PostChat as a stranger succeeded")
	}
	clock.Advance(10 * time.Minute)
	if err := s.Leave("phys", "bob"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC).UnixMilli()

	type envelope struct {
		Response struct {
			ReturnCode   string `json:"returncode"`
			Data         string `json:"data"`
			Message      string `json:"message"`
			SessionToken string `json:"sessionToken"`
		} `json:"response"`
	}
	call := func(token string) envelope {
		t.Helper()
		resp, err := s.Client().Get(s.APIURL() + "learningDashboard?sessionToken=" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("learningDashboard: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var env envelope
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
		return env
	}
	env := call(ada.SessionToken)
	if env.Response.ReturnCode != "SUCCESS" || env.Response.SessionToken != ada.SessionToken {
		t.Fatalf("answer %+v", env.Response)
	}
	var data struct {
		IntID, ExtID, Name string
		CreatedOn          int64 `json:"createdOn"`
		Users              map[string]struct {
			ExtID           string `json:"extId"`
			Name            string `json:"name"`
			IsModerator     bool   `json:"isModerator"`
			CurrentIntID    *string
			TotalOfMessages int64 `json:"totalOfMessages"`
			IntIDs          map[string]struct {
				RegisteredOn int64 `json:"registeredOn"`
				LeftOn       int64 `json:"leftOn"`
			} `json:"intIds"`
			Talk struct {
				TotalTime int64 `json:"totalTime"`
			} `json:"talk"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(env.Response.Data), &data); err != nil {
		t.Fatalf("data is not JSON: %v\n%s", err, env.Response.Data)
	}
	if data.ExtID != "phys" || data.Name != "Physics" || data.CreatedOn != start || len(data.Users) != 2 {
		t.Fatalf("data %+v", data)
	}
	a, b := data.Users["ada-1"], data.Users["bob-1"]
	if !a.IsModerator || b.IsModerator || a.Name != "Ada" || b.TotalOfMessages != 2 || a.TotalOfMessages != 0 {
		t.Errorf("users %+v %+v", a, b)
	}
	if id := b.IntIDs[bob.InternalUserID]; id.RegisteredOn != start+60_000 || id.LeftOn != start+660_000 || b.CurrentIntID != nil {
		t.Errorf("bob's session %+v, current %v", id, b.CurrentIntID)
	}
	if id := a.IntIDs[ada.InternalUserID]; id.RegisteredOn != start || id.LeftOn != 0 || a.CurrentIntID == nil {
		t.Errorf("ada's session %+v", id)
	}
	if env := call(bob.SessionToken); env.Response.ReturnCode != "FAILED" || env.Response.Message != "Invalid session token" {
		t.Errorf("a token of a user who left: %+v", env.Response)
	}
	carl, _ := s.Join("phys", User{FullName: "Carl", Role: "VIEWER"})
	if env := call(carl.SessionToken); env.Response.ReturnCode != "FAILED" || env.Response.Data != "" || env.Response.Message != "Access denied" {
		t.Errorf("a viewer got the dashboard, or a refusal not worded as bbb-web words it: %+v", env.Response)
	}
}
