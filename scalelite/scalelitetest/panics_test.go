package scalelitetest

import "testing"

// expectPanic reports an error unless f panics; what names the call.
func expectPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic; want a panic", what)
		}
	}()
	f()
}
