package browsertest

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/racd/racd/internal/guacdtest"
	"github.com/racd/racd/internal/guacproto"
)

// finger is one touch point in CSS pixels of the window.
type finger struct {
	id   float64
	x, y float64
}

// touchEvent dispatches a touch event with the fingers still on the screen (none for
// touchEnd: every finger lifted).
func touchEvent(typ input.DispatchTouchEventType, fingers ...finger) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		points := make([]*input.TouchPoint, 0, len(fingers))
		for _, f := range fingers {
			id := f.id
			points = append(points, &input.TouchPoint{X: f.x, Y: f.y, ID: &id})
		}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
		return err
	})
}

// remote converts a point of the phone's window to the remote screen's coordinates:
// the screen is the window in device pixels, scaled down to fit it.
func remote(v Viewport, x, y float64) (int, int) {
	w, h := float64(v.Width)*v.Scale, float64(v.Height)*v.Scale
	scale := math.Min(float64(v.Width)/w, float64(v.Height)/h)
	return int(math.Floor(x / scale)), int(math.Floor(y / scale))
}

// mouseAt matches a mouse instruction at (x, y) (give or take a pixel of rounding)
// with the button mask.
func mouseAt(x, y, mask int) func(guacproto.Instruction) bool {
	return func(in guacproto.Instruction) bool {
		if in.Opcode != "mouse" || len(in.Args) < 3 || in.Args[2] != strconv.Itoa(mask) {
			return false
		}
		gx, err1 := strconv.Atoi(in.Args[0])
		gy, err2 := strconv.Atoi(in.Args[1])
		return err1 == nil && err2 == nil && abs(gx-x) <= 1 && abs(gy-y) <= 1
	}
}

// inOrder matches once instructions matching each of ms have come, in that order (the
// test guacd's WaitFor shows every instruction to its matcher once, in order).
func inOrder(ms ...func(guacproto.Instruction) bool) func(guacproto.Instruction) bool {
	k := 0
	return func(in guacproto.Instruction) bool {
		if k < len(ms) && ms[k](in) {
			k++
		}
		return k == len(ms)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// TestTouch: on a phone, touch reaches the machine. Where the machine takes no touch
// input, a finger is a mouse at the remote screen's coordinates: a tap clicks the left
// button, a long press the right one, and a tap followed by a touch that moves drags
// with the left button held. Where it does (guacd sets multi-touch on the default
// layer, as for RDP with the touch input channel), every contact goes to the machine
// as a touch instruction, two fingers at once included, each ending with force 0, and
// no emulated mouse.
func TestTouch(t *testing.T) {
	v := Phone
	waitFor := func(t *testing.T, conn *guacdtest.Conn, what string, match func(guacproto.Instruction) bool) guacproto.Instruction {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		in, err := conn.WaitFor(ctx, match)
		if err != nil {
			var got []guacproto.Instruction
			for _, in := range conn.Received() {
				if in.Opcode == "mouse" || in.Opcode == "touch" {
					got = append(got, in)
				}
			}
			t.Fatalf("guacd never received %s: %v (mouse and touch: %q)", what, err, got)
		}
		return in
	}
	t.Run("mouse", func(t *testing.T) {
		r := StartRacd(t, "sqlite", guacdtest.Options{})
		b := NewBrowser(t, v)
		conn := openSession(t, r, b, r.Launch(t, "Touch desk", nil, nil))

		// A tap: the left button, pressed and released where the finger was.
		x, y := remote(v, 120, 400)
		if err := b.Do(5*time.Second, touchEvent(input.DispatchTouchEventTypeTouchStart, finger{1, 120, 400}), touchEvent(input.DispatchTouchEventTypeTouchEnd)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, conn, "the tap's press and release", inOrder(mouseAt(x, y, 1), mouseAt(x, y, 0)))

		// A long press: the right button.
		x, y = remote(v, 200, 600)
		if err := b.Do(5*time.Second, touchEvent(input.DispatchTouchEventTypeTouchStart, finger{2, 200, 600}), chromedp.Sleep(800*time.Millisecond),
			touchEvent(input.DispatchTouchEventTypeTouchEnd)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, conn, "the long press's right button", inOrder(mouseAt(x, y, 4), mouseAt(x, y, 0)))

		// Tap, then touch again at once and move: a drag with the left button held.
		x, y = remote(v, 300, 700)
		if err := b.Do(5*time.Second, touchEvent(input.DispatchTouchEventTypeTouchStart, finger{3, 100, 200}), touchEvent(input.DispatchTouchEventTypeTouchEnd),
			touchEvent(input.DispatchTouchEventTypeTouchStart, finger{4, 100, 200}), touchEvent(input.DispatchTouchEventTypeTouchMove, finger{4, 200, 450}),
			touchEvent(input.DispatchTouchEventTypeTouchMove, finger{4, 300, 700}), touchEvent(input.DispatchTouchEventTypeTouchEnd)); err != nil {
			t.Fatal(err)
		}
		x0, y0 := remote(v, 100, 200)
		x1, y1 := remote(v, 200, 450)
		waitFor(t, conn, "the drag, button held, and its release", inOrder(mouseAt(x0, y0, 1), mouseAt(x1, y1, 1), mouseAt(x, y, 1), mouseAt(x, y, 0)))
		for _, in := range conn.Received() {
			if in.Opcode == "touch" {
				t.Fatalf("a machine without touch input received %q", in)
			}
		}
		b.Screenshot("mouse")
	})
	t.Run("multi-touch", func(t *testing.T) {
		r := StartRacd(t, "sqlite", guacdtest.Options{MultiTouch: 10})
		b := NewBrowser(t, v)
		conn := openSession(t, r, b, r.Launch(t, "Touch screen desk", nil, nil))
		if err := b.Do(5*time.Second,
			touchEvent(input.DispatchTouchEventTypeTouchStart, finger{1, 100, 300}),
			touchEvent(input.DispatchTouchEventTypeTouchStart, finger{1, 100, 300}, finger{2, 250, 600}),
			touchEvent(input.DispatchTouchEventTypeTouchMove, finger{1, 110, 320}, finger{2, 240, 580}),
			touchEvent(input.DispatchTouchEventTypeTouchEnd)); err != nil {
			t.Fatal(err)
		}
		// touch <id> <x> <y> <radius x> <radius y> <angle> <force>
		ends := map[string][2]int{}
		for _, f := range []struct{ x, y float64 }{{110, 320}, {240, 580}} {
			x, y := remote(v, f.x, f.y)
			in := waitFor(t, conn, "a contact's end", func(in guacproto.Instruction) bool {
				if in.Opcode != "touch" || len(in.Args) != 7 || in.Args[6] != "0" {
					return false
				}
				gx, _ := strconv.Atoi(in.Args[1])
				gy, _ := strconv.Atoi(in.Args[2])
				return abs(gx-x) <= 1 && abs(gy-y) <= 1
			})
			ends[in.Args[0]] = [2]int{x, y}
		}
		if len(ends) != 2 {
			t.Fatalf("the two fingers ended as contacts %v, want two", ends)
		}
		pressed := map[string]bool{}
		for _, in := range conn.Received() {
			switch in.Opcode {
			case "mouse":
				t.Fatalf("a machine with touch input received an emulated mouse: %q", in)
			case "touch":
				if f, err := strconv.ParseFloat(in.Args[6], 64); err == nil && f > 0 {
					pressed[in.Args[0]] = true
				}
			}
		}
		for id := range ends {
			if !pressed[id] {
				t.Errorf("contact %s never touched with force", id)
			}
		}
		b.Screenshot("multi-touch")
	})
}
