package oidc

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newBBBForTest(t testing.TB) *bbb.Client {
	t.Helper()
	srv := bbbtest.NewServer()
	t.Cleanup(srv.Close)
	c, err := bbb.New(srv.APIURL(), srv.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func httpGet(target string) *http.Request { return httptest.NewRequest(http.MethodGet, target, nil) }

type atomicTime struct{ v atomic.Int64 }

func (a *atomicTime) set(t time.Time) { a.v.Store(t.UnixNano()) }
func (a *atomicTime) get() time.Time  { return time.Unix(0, a.v.Load()) }
