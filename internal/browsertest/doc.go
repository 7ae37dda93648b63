// Package browsertest holds racd's browser tests: a real Chromium, started once for the
// whole package (TestMain) and driven from Go with chromedp, against real `racd serve`
// processes and the test guacd. Every browser test of racd lives here, so CI starts the
// browser once. The harness (harness_test.go) starts racd on either database, makes a
// fresh browser context (its own cookies) per test, and takes screenshots into
// $RACD_SCREENSHOT_DIR (else the test's temporary directory) for a person to look at.
package browsertest
