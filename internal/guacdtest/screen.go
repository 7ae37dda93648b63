package guacdtest

import (
	"context"
	"strconv"
	"time"

	"github.com/racd/racd/internal/guacproto"
)

// open finishes connecting to the remote machine once the credentials are known: an
// authentication error, or the first frame. It reports whether the session goes on.
func (c *Conn) open(h *Handshake) bool {
	if c.s.opts.Authenticate != nil && !c.s.opts.Authenticate(h) {
		c.fail(authFailure(h.Protocol), StatusClientUnauthorized)
		return false
	}
	if !c.s.opts.NoDraw {
		width, height := 1024, 768
		size := h.Size
		c.mu.Lock()
		if c.resized != nil {
			size = c.resized
		}
		c.mu.Unlock()
		if len(size) >= 2 {
			if w, err := strconv.Atoi(size[0]); err == nil && w > 0 {
				width = w
			}
			if hh, err := strconv.Atoi(size[1]); err == nil && hh > 0 {
				height = hh
			}
		}
		if err := c.draw(width, height); err != nil {
			return false
		}
	}
	c.mu.Lock()
	c.opened = true
	c.mu.Unlock()
	return true
}

// draw paints the screen as guacd's first frames do: the default layer sized and
// filled, a second layer holding a PNG image sent as a stream of base64 blobs, and a
// sync that ends the frame.
func (c *Conn) draw(w, h int) error {
	o := c.s.opts
	itoa := strconv.Itoa
	bg := o.Background
	ins := []guacproto.Instruction{
		guacproto.New("size", "0", itoa(w), itoa(h)),
		guacproto.New("rect", "0", "0", "0", itoa(w), itoa(h)),
		guacproto.New("cfill", "14", "0", itoa(int(bg[0])), itoa(int(bg[1])), itoa(int(bg[2])), "255"),
		guacproto.New("size", "1", "128", "128"),
		guacproto.New("move", "1", "0", itoa(max(0, w/2-64)), itoa(max(0, h/2-64)), "0"),
		guacproto.New("img", "1", "14", "1", "image/png", "0", "0"),
	}
	for _, chunk := range blobChunks(c.s.png) {
		ins = append(ins, guacproto.New("blob", "1", chunk))
	}
	ins = append(ins, guacproto.New("end", "1"))
	if o.MultiTouch > 0 {
		ins = append(ins, guacproto.New("set", "0", "multi-touch", itoa(o.MultiTouch)))
	}
	ins = append(ins, guacproto.New("sync", strconv.FormatInt(time.Now().UnixMilli(), 10)))
	return c.Send(ins...)
}

// syncLoop sends a sync every SyncInterval until the connection ends.
func (c *Conn) syncLoop(ctx context.Context) {
	t := time.NewTicker(c.s.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.doneCh:
			return
		case now := <-t.C:
			if err := c.Send(guacproto.New("sync", strconv.FormatInt(now.UnixMilli(), 10))); err != nil {
				return
			}
		}
	}
}
