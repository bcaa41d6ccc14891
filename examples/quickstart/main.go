package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

func main() { os.Exit(cli.Main(run)) }

// run performs the tour and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return cli.Run(ctx, &cli.Command{
		Name:      "quickstart",
		UsageLine: "quickstart",
		Short:     "a guided tour of the bbbkit SDK",
		Long: `Quickstart walks through the SDK: the server's version, a meeting with
metadata, signed join URLs, meeting info, ending the meeting and its
recordings. Without BBB_URL and BBB_SECRET it runs against an embedded
fake BigBlueButton server; with both it uses that server.`,
		Run: tourCommand,
	}, args, stdin, stdout, stderr)
}

func tourCommand(ctx context.Context, env *cli.Env, _ []string) error {
	p := &printer{w: env.Stdout}
	baseURL, secret := env.Getenv("BBB_URL"), env.Secret("", "BBB_SECRET")
	var fake *bbbtest.Server
	switch {
	case baseURL == "" && secret == "":
		fake = bbbtest.NewServer()
		defer fake.Close()
		baseURL, secret = fake.APIURL(), fake.Secret
		p.say("No BBB_URL and BBB_SECRET set: using an embedded fake BigBlueButton server at %s", baseURL)
	case baseURL == "" || secret == "":
		p.say("Set both BBB_URL and BBB_SECRET to use a real server, or neither to use the embedded fake.")
		return cli.Exit(cli.ExitUsage, nil)
	default:
		p.say("Using the BigBlueButton server at %s", baseURL)
	}
	client, err := bbb.New(baseURL, secret, bbb.WithTimeout(20*time.Second))
	if err != nil {
		p.say("Cannot make a client: %v", err)
		return cli.Exit(cli.ExitUsage, nil)
	}
	if err := tour(ctx, p, client, fake); err != nil {
		p.say("")
		p.say("The tour stopped: %v", err)
		return cli.Exit(cli.ExitFailure, nil)
	}
	p.say("")
	p.say("Done.")
	return nil
}

type printer struct {
	w    io.Writer
	step int
}

func (p *printer) say(format string, args ...any) {
	_, _ = fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) title(s string) {
	p.step++
	p.say("")
	p.say("%d. %s", p.step, s)
}

func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tour walks through the SDK; fake is nil on a real server.
func tour(ctx context.Context, p *printer, c *bbb.Client, fake *bbbtest.Server) error {
	p.title("Ask the server for its version")
	v, err := c.Version(ctx)
	if err != nil {
		return fmt.Errorf("version: %w", err)
	}
	p.say("   BigBlueButton %s, API %s", orUnknown(v.BBBVersion), v.APIVersion)

	meetingID := "bbbkit-quickstart-" + randomSuffix()
	if err := createAndJoin(ctx, p, c, fake, meetingID); err != nil {
		return err
	}
	if err := showMeeting(ctx, p, c, meetingID); err != nil {
		return err
	}

	p.title("End the meeting")
	if err := c.EndMeeting(ctx, meetingID); err != nil {
		return fmt.Errorf("end: %w", err)
	}
	p.say("   The server accepted the end request.")
	return showRecordings(ctx, p, c, fake != nil, meetingID)
}

// createAndJoin creates the meeting, prints join URLs and, on the fake,
// makes a user join.
func createAndJoin(ctx context.Context, p *printer, c *bbb.Client, fake *bbbtest.Server, meetingID string) error {
	p.title("Create a meeting with metadata and recording on")
	created, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{
		Name:               "bbbkit quickstart",
		MeetingID:          meetingID,
		Record:             bbb.Bool(true),
		AutoStartRecording: bbb.Bool(true),
		Welcome:            "Welcome to the bbbkit quickstart!",
		Meta:               map[string]string{"bbb-origin": "bbbkit-quickstart", "course": "demo-101"},
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	p.say("   meeting ID:          %s", created.MeetingID)
	p.say("   internal meeting ID: %s", created.InternalMeetingID)
	p.say("   created at:          %s", created.CreateTime().UTC().Format(time.RFC3339))

	p.title("Join URLs (open them in a browser)")
	for _, role := range []string{bbb.RoleModerator, bbb.RoleViewer} {
		name := map[string]string{bbb.RoleModerator: "Mia Moderator", bbb.RoleViewer: "Alex Attendee"}[role]
		u, err := c.JoinURL(&bbb.JoinParams{FullName: name, MeetingID: meetingID, Role: role, CreateTime: created.CreateTime()})
		if err != nil {
			return fmt.Errorf("join URL: %w", err)
		}
		p.say("   %-9s %s", strings.ToLower(role)+":", u)
	}

	p.title("A user joins")
	if fake == nil {
		p.say("   Skipped on a real server: open the moderator URL above in a browser to join.")
		return nil
	}
	if _, err := fake.Join(meetingID, bbbtest.User{FullName: "Mia Moderator", Role: bbb.RoleModerator, Voice: true}); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	p.say("   Mia Moderator joined (the fake server can do that without a browser).")
	return nil
}

// showMeeting prints the meeting's info, attendees and metadata.
func showMeeting(ctx context.Context, p *printer, c *bbb.Client, meetingID string) error {
	p.title("Meeting info")
	m, err := c.GetMeetingInfo(ctx, meetingID)
	if err != nil {
		return fmt.Errorf("getMeetingInfo: %w", err)
	}
	p.say("   name: %s, running: %t, participants: %d, recording: %t", m.MeetingName, m.Running, m.ParticipantCount, m.Recording)
	for _, a := range m.Attendees {
		p.say("   attendee: %s (%s)", a.FullName, a.Role)
	}
	for _, k := range slices.Sorted(maps.Keys(m.Metadata)) {
		p.say("   metadata: %s = %s", k, m.Metadata[k])
	}
	return nil
}

// showRecordings lists the meeting's recordings.
func showRecordings(ctx context.Context, p *printer, c *bbb.Client, onFake bool, meetingID string) error {
	p.title("List the meeting's recordings")
	page, err := c.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{meetingID}, States: []string{"any"}})
	if err != nil && !errors.Is(err, bbb.ErrNotFound) {
		return fmt.Errorf("getRecordings: %w", err)
	}
	if page == nil || len(page.Recordings) == 0 {
		if !onFake {
			p.say("   None yet: a real server processes a recording for a few minutes after the meeting,")
			p.say("   and only if somebody joined while it was recording.")
		} else {
			p.say("   None.")
		}
		return nil
	}
	for _, r := range page.Recordings {
		p.say("   %s: %s, %s, %d participant(s)", r.RecordID, r.Name, r.State, r.Participants)
		for _, f := range r.Playback {
			p.say("   playback (%s): %s", f.Type, f.URL)
		}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(version not reported)"
	}
	return s
}
