// Package browsertest holds racd's browser tests: every test that drives a real
// Chromium lives here, so a test run starts Chromium once (TestMain) and each test
// opens its own tab. Tests serve racd in-process on a real database (apitest) and
// look at the pages as a person would: they click, type, read what is shown and take
// screenshots.
package browsertest
