package browsertest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/storetest"
)

// library is a RAC application with five endpoints, a user who may view two of them
// (by object grants) and that user's password.
type library struct {
	user, password string
	visible        []string // names of the endpoints the user may launch
	limited        string   // an endpoint with maximum_connections 1 the user may launch
}

func setupLibrary(t *testing.T, r *Racd) library {
	t.Helper()
	flow := r.API(t, 201, "POST", "/api/v3/flows/instances/", map[string]any{
		"name": "Authorize", "slug": "authz", "title": "Authorize", "designation": "authorization"})["pk"]
	p := r.API(t, 201, "POST", "/api/v3/providers/rac/", map[string]any{"name": "Office", "authorization_flow": flow})["pk"]
	r.API(t, 201, "POST", "/api/v3/core/applications/", map[string]any{"name": "Office desktops", "slug": "office", "provider": p})
	u := r.API(t, 201, "POST", "/api/v3/core/users/", map[string]any{"username": "sam", "name": "Sam Example"})["pk"].(float64)
	r.API(t, 204, "POST", fmt.Sprintf("/api/v3/core/users/%d/set_password/", int64(u)), map[string]any{"password": "sams pass phrase"})
	lib := library{user: "sam", password: "sams pass phrase", visible: []string{"Finance desk", "Reception PC"}, limited: "Finance desk"}
	for _, name := range []string{"Build server", "Finance desk", "Lab VNC", "Reception PC", "Web SSH"} {
		ep := r.API(t, 201, "POST", "/api/v3/rac/endpoints/", map[string]any{"name": name, "provider": p, "protocol": "rdp",
			"host": "10.0.0.9:3389", "auth_mode": "static", "maximum_connections": map[bool]int{true: 1, false: -1}[name == lib.limited]})["pk"]
		for _, v := range lib.visible {
			if v == name {
				r.API(t, 200, "POST", fmt.Sprintf("/api/v3/rbac/permissions/assigned_by_users/%d/assign/", int64(u)), map[string]any{
					"permissions": []string{"authentik_providers_rac.view_endpoint"}, "model": "authentik_providers_rac.endpoint", "object_pk": ep})
			}
		}
	}
	return lib
}

// signIn types a username and a password into the sign-in page and submits it.
func signIn(t *testing.T, b *Browser, user, pw string) {
	t.Helper()
	if err := b.Do(20*time.Second, chromedp.WaitVisible(chromedp.Search("#password"))); err != nil {
		t.Fatalf("sign-in page: %v", err)
	}
	Eval[string](b, `document.getElementById("username").value = ""`)
	if err := b.Do(20*time.Second,
		chromedp.SendKeys(chromedp.Search("#username"), user),
		chromedp.SendKeys(chromedp.Search("#password"), pw),
		chromedp.Submit(chromedp.Search("#password")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// TestSignInLibraryLaunch: a person opens racd, mistypes the password, signs in,
// sees exactly the two machines they may use, opens one and is on it (guacd's drawing
// on the canvas), then signs out in another tab, which ends the connection with its
// reason. Pictures at desktop and phone sizes, on both databases.
func TestSignInLibraryLaunch(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) {
			r := StartRacd(t, backend, guacdtest.Options{})
			lib := setupLibrary(t, r)
			b := NewBrowser(t, Desktop)
			if err := b.Do(20*time.Second, chromedp.Navigate(r.URL+"/")); err != nil {
				t.Fatal(err)
			}
			if path := Eval[string](b, "location.pathname"); path != "/if/flow/default-authentication-flow/" {
				t.Fatalf("/ led to %s, want the sign-in page", path)
			}
			b.Screenshot("signin-desktop")
			signIn(t, b, lib.user, "not my password")
			if err := waitPage(b, 10*time.Second, `document.querySelector("[role=alert]") !== null`); err != nil {
				t.Fatalf("no message after a wrong password: %v", err)
			}
			if msg := Eval[string](b, `document.querySelector("[role=alert]").textContent`); msg != "Incorrect username or password." {
				t.Fatalf("message %q", msg)
			}
			// autofocus applies once the page has loaded: wait for it.
			if err := waitPage(b, 5*time.Second, `document.readyState === "complete" && document.activeElement && document.activeElement.id === "password"`); err != nil {
				t.Errorf("after a wrong password the password field never got the focus: %v", err)
			}
			if v := Eval[string](b, `document.getElementById("username").value + "|" + document.activeElement.id`); v != lib.user+"|password" {
				t.Errorf("after a wrong password: username and focus %q, want the username kept and the password field focused", v)
			}
			b.Screenshot("wrong-password")
			if err := b.Do(10*time.Second, chromedp.SendKeys(chromedp.Search("#password"), lib.password), chromedp.Submit(chromedp.Search("#password"))); err != nil {
				t.Fatal(err)
			}
			if err := waitPage(b, 10*time.Second, `location.pathname === "/if/user/"`); err != nil {
				t.Fatalf("not in the library after the right password: %v (%s)", err, Eval[string](b, "location.href"))
			}
			names := Eval[[]string](b, `[...document.querySelectorAll(".endpoint .ep-name")].map(e => e.textContent)`)
			sort.Strings(names)
			if strings.Join(names, ",") != strings.Join(lib.visible, ",") {
				t.Fatalf("the library lists %q, want exactly %q", names, lib.visible)
			}
			b.Screenshot("library-desktop")

			// Keyboard: Tab from the search box reaches the machines, with a visible focus ring.
			if err := b.Do(10*time.Second, chromedp.Focus(chromedp.Search("#q")), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t")); err != nil {
				t.Fatal(err)
			}
			focus := Eval[string](b, `document.activeElement.className + "|" + getComputedStyle(document.activeElement).outlineStyle + "|" + getComputedStyle(document.activeElement).outlineWidth`)
			if !strings.HasPrefix(focus, "endpoint|solid|3px") {
				t.Errorf("after two Tabs from the search box the focus is %q, want a machine with a visible 3px outline", focus)
			}
			b.Screenshot("library-keyboard-focus")

			// The search box narrows the list.
			if err := b.Do(10*time.Second, chromedp.SendKeys(chromedp.Search("#q"), "recep\r")); err != nil {
				t.Fatal(err)
			}
			if err := waitPage(b, 10*time.Second, `document.querySelectorAll(".endpoint").length === 1`); err != nil {
				t.Fatalf("search: %v", err)
			}

			// The phone-sized library.
			b.Resize(Phone)
			if err := b.Do(10*time.Second, chromedp.Navigate(r.URL+"/if/user/")); err != nil {
				t.Fatal(err)
			}
			if w := Eval[float64](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("the library is %v px wider than a phone's window", w)
			}
			b.Screenshot("library-phone")
			b.Resize(Desktop)

			// Click a machine: the session page, connected to the test guacd.
			if err := b.Do(20*time.Second, chromedp.Click(chromedp.Search(`//a[contains(., "Finance desk")]`))); err != nil {
				t.Fatal(err)
			}
			if err := waitPage(b, 20*time.Second, connected); err != nil {
				b.Screenshot("not-connected")
				t.Fatalf("the clicked machine did not connect: %v (%s)", err, Eval[string](b, "location.pathname"))
			}
			if !strings.HasPrefix(Eval[string](b, "location.pathname"), "/if/rac/") {
				t.Fatalf("the click led to %s", Eval[string](b, "location.pathname"))
			}
			checkDrawing(t, b, Desktop, "session")

			// The limit: the same machine again, from another tab, is a page in words.
			other := b.Tab()
			if err := other.Do(20*time.Second, chromedp.Navigate(r.URL+"/if/user/"), chromedp.Click(chromedp.Search(`//a[contains(., "Finance desk")]`))); err != nil {
				t.Fatal(err)
			}
			if err := waitPage(other, 10*time.Second, `document.querySelector("h1") && document.querySelector("h1").textContent.startsWith("Cannot open")`); err != nil {
				t.Fatalf("no limit page: %v", err)
			}
			if msg := Eval[string](other, `document.querySelector("main p").textContent`); msg != "Maximum connection limit reached. (You are already connected in another tab/window)" {
				t.Fatalf("limit page says %q", msg)
			}
			other.Screenshot("limit")

			// Sign out in that tab: the connection in the first one ends, saying why.
			if err := other.Do(20*time.Second, chromedp.Navigate(r.URL+"/if/user/"), chromedp.Click(chromedp.Search(`//button[contains(., "Sign out")]`))); err != nil {
				t.Fatal(err)
			}
			if err := waitPage(other, 10*time.Second, `location.pathname === "/if/flow/default-authentication-flow/"`); err != nil {
				t.Fatalf("sign-out did not lead to sign-in: %v", err)
			}
			if err := waitPage(b, 5*time.Second, `document.body.dataset.ended === "You were signed out, so this connection ended."`); err != nil {
				b.Screenshot("not-ended")
				t.Fatalf("the connection did not end with its reason: %v (%q)", err, Eval[string](b, endedWords))
			}
			b.Screenshot("signed-out")
		})
	}
}

// Tab opens another tab in b's browser context (the same cookies), closed with the test.
func (b *Browser) Tab() *Browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.Ctx)
	b.t.Cleanup(cancel)
	tab := &Browser{t: b.t, Ctx: ctx}
	tab.Resize(Desktop)
	return tab
}

// waitPage is WaitFor across navigations: a poll that loses its page to a navigation
// (a form submitted, a redirect) tries again on the next page until d has passed.
func waitPage(b *Browser, d time.Duration, expr string) error {
	deadline := time.Now().Add(d)
	for {
		err := b.WaitFor(time.Until(deadline), expr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
