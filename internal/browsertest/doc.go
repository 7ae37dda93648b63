// Package browsertest holds racd's browser tests: every test that drives a real
// Chromium lives here, so a test run starts Chromium once (TestMain) and each test
// opens its own tab. Tests serve racd in-process on a real database (apitest), or run
// the racd binary with the test guacd when they need a whole server (session pages,
// restarts; racd_test.go: StartRacd, NewBrowser with its own cookies, viewports,
// screenshots with pixel checks), and look at the pages as a person would: they click,
// type, read what is shown and take screenshots ($RACD_TEST_SCREENSHOTS keeps them).
package browsertest
