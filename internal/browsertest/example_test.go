package browsertest_test

import (
	"fmt"
	"testing"

	"github.com/bbbkit/bbbkit/internal/browsertest"
)

// A browser test opens a page and reads it as a person sees it. (Example
// functions cannot take a *testing.T; in a test, pass the test's t.)
func ExampleStart() {
	var t testing.TB // a test's *testing.T
	if t == nil {
		fmt.Println("in a test: tab := browsertest.Start(t).Tab()")
		return
	}
	tab := browsertest.Start(t).Tab()
	tab.Go("http://127.0.0.1:8080/")
	tab.Click(`//a[normalize-space()="Sign in and join"]`)
	fmt.Println(tab.Text("h1"))
	// Output: in a test: tab := browsertest.Start(t).Tab()
}
