// Package browsertest runs headless Chromium for tests of bbbkit's pages,
// through the DevTools protocol (chromedp).
//
// Start finds Chromium (Debian's chromium, or google-chrome) on PATH, or the
// program named by $CHROMIUM. Without one the test is skipped and says why,
// except when $CI is "true": there the test fails, so a CI machine that lost
// its browser does not pass by skipping. .ci/run installs Debian's chromium.
//
// The browser only talks to loopback: every host name other than localhost
// resolves to nothing, and no proxy is used. It runs without the sandbox
// (Chromium refuses to start as root in a container otherwise) and keeps its
// shared memory out of /dev/shm.
//
// When a test fails, every tab it opened is captured before the browser
// closes: a screenshot, the page's HTML and its URL go to a directory that
// outlives the test, and the test log prints its path.
package browsertest
