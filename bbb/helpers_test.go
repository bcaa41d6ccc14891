package bbb_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
)

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func asError(err error, target **bbb.Error) bool { return errors.As(err, target) }

func isErr(err, target error) bool { return errors.Is(err, target) }

// pagedServer serves getRecordings over total recordings, honouring
// offset/limit and sending totalElements when paged is true (2.6+), or
// everything at once otherwise (older servers).
type pagedServer struct {
	srv *httptest.Server
	n   atomic.Int32
}

func (p *pagedServer) calls() int { return int(p.n.Load()) }

func (p *pagedServer) client(t *testing.T) *bbb.Client {
	c, err := bbb.New(p.srv.URL+"/bigbluebutton/api", testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pagedRecordingsServer(t *testing.T, total int, paged bool) *pagedServer {
	p := &pagedServer{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.n.Add(1)
		q := r.URL.Query()
		from, to := 0, total
		if paged {
			from, _ = strconv.Atoi(q.Get("offset"))
			limit, _ := strconv.Atoi(q.Get("limit"))
			to = min(from+limit, total)
		}
		var b strings.Builder
		b.WriteString("<response><returncode>SUCCESS</returncode><recordings>")
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "<recording><recordID>rec-%d</recordID><meetingID>m</meetingID><published>true</published><state>published</state></recording>", i)
		}
		b.WriteString("</recordings>")
		if paged {
			fmt.Fprintf(&b, "<totalElements>%d</totalElements>", total)
		}
		b.WriteString("</response>")
		io.WriteString(w, b.String())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func sprintAll(e error) string { return fmt.Sprintf("%#v %v", e, e) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
