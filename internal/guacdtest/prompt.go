package guacdtest

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/guacproto"
)

// Credentials guacd asks the client for, as guacd 1.5.5 does: when the remote machine
// wants a login the connection's parameters lack, the protocol plugin sends the
// connection's owner `required` with the names it needs, registers them, and waits
// until the client has sent a value for each in an `argv` stream (`argv <stream>
// <mimetype> <name>`, then `blob`s of base64 and `end`). guacd acknowledges each argv
// stream it accepts with `ack <stream> "Ready for updated parameter." 0` and refuses
// one for a name it did not register with `ack <stream> "Not allowed." 771`; it does
// not acknowledge the blobs, and keeps at most 16,383 bytes of a value. The plugin then
// connects with the values. guacd only asks clients that declared protocol 1.3.0 or
// later (the version that brought `required`).

// Limits and statuses of argv streams in guacd 1.5.5.
const (
	maxArgvValue           = 16384 - 1 // GUAC_ARGV_MAX_LENGTH, less the terminator
	StatusClientForbidden  = 0x0303    // 771: an argv stream for a name not asked for
	argvAccepted, argvDeny = "Ready for updated parameter.", "Not allowed."
)

// prompt is a connection's state of asking for credentials.
type prompt struct {
	registered map[string]bool    // names asked for (guacd keeps accepting them)
	waiting    map[string]bool    // names not answered yet
	streams    map[string]*string // open argv streams by index: the name (read loop only)
	values     map[string][]byte  // the value arriving on each open stream
	answered   chan struct{}      // closed once every name was answered
}

// missing returns the credentials guacd would ask for on h's connection: none unless
// the remote machine demands them (Options.Prompt).
func (s *Server) missing(h *Handshake) []string {
	if !s.opts.Prompt {
		return nil
	}
	var need []string
	switch h.Protocol {
	case "rdp":
		if h.Values["username"] == "" {
			need = append(need, "username")
			if h.Values["domain"] == "" {
				need = append(need, "domain")
			}
		}
		if h.Values["password"] == "" {
			need = append(need, "password")
		}
	case "vnc":
		if h.Values["password"] == "" {
			need = append(need, "password")
		}
	}
	return need
}

// askFor runs a connection whose remote machine wants the credentials need: it sends
// required, relays (and collects the argv streams) meanwhile, and once every value
// arrived opens the screen with them.
func (c *Conn) askFor(h *Handshake, need []string, read func() (guacproto.Instruction, error)) {
	if !supportsRequired(h.Version) {
		c.s.logf("guacdtest %s: the client cannot be asked for %v", c.ID, need)
		c.fail(authFailure(h.Protocol), StatusClientUnauthorized)
		return
	}
	c.prompt = prompt{registered: map[string]bool{}, waiting: map[string]bool{}, streams: map[string]*string{},
		values: map[string][]byte{}, answered: make(chan struct{})}
	for _, n := range need {
		c.prompt.registered[n], c.prompt.waiting[n] = true, true
	}
	withRequired := *h
	withRequired.Required = need
	c.mu.Lock()
	c.handshake = &withRequired
	c.mu.Unlock()
	if err := c.Send(guacproto.New("required", need...)); err != nil {
		return
	}
	loop := make(chan struct{})
	go func() {
		defer close(loop)
		c.relayLoop(read)
	}()
	select {
	case <-c.prompt.answered:
	case <-loop:
		return
	}
	if c.open(c.Handshake()) {
		go c.syncLoop(context.Background()) // ends with the connection
	}
	<-loop
}

// argv handles the instructions of argv streams (reporting true), on the read loop.
func (c *Conn) argv(in guacproto.Instruction) bool {
	p := &c.prompt
	if p.registered == nil || len(in.Args) == 0 {
		return false
	}
	index := in.Args[0]
	switch in.Opcode {
	case "argv":
		if len(in.Args) != 3 {
			return true
		}
		name := in.Args[2]
		if !p.registered[name] {
			_ = c.Send(guacproto.New("ack", index, argvDeny, strconv.Itoa(StatusClientForbidden)))
			return true
		}
		p.streams[index], p.values[index] = &name, nil
		_ = c.Send(guacproto.New("ack", index, argvAccepted, "0"))
		return true
	case "blob":
		if p.streams[index] == nil || len(in.Args) != 2 {
			return false
		}
		data, err := base64.StdEncoding.DecodeString(in.Args[1])
		if err == nil {
			v := append(p.values[index], data...)
			p.values[index] = v[:min(len(v), maxArgvValue)]
		}
		return true
	case "end":
		name := p.streams[index]
		if name == nil {
			return false
		}
		value := string(p.values[index])
		delete(p.streams, index)
		delete(p.values, index)
		c.mu.Lock()
		h := *c.handshake
		h.Answered = make(map[string]string, len(c.handshake.Answered)+1)
		for k, v := range c.handshake.Answered {
			h.Answered[k] = v
		}
		h.Answered[*name] = value
		c.handshake = &h
		c.mu.Unlock()
		if p.waiting[*name] {
			delete(p.waiting, *name)
			if len(p.waiting) == 0 {
				close(p.answered)
			}
		}
		return true
	}
	return false
}

// supportsRequired reports whether a client that declared version (VERSION_x_y_z,
// empty for 1.0.0) understands required: 1.3.0 and later.
func supportsRequired(version string) bool {
	parts := strings.Split(strings.TrimPrefix(version, "VERSION_"), "_")
	if len(parts) != 3 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	return err1 == nil && err2 == nil && (major > 1 || major == 1 && minor >= 3)
}

// authFailure is the message of guacd's plugin for a refused login.
func authFailure(protocol string) string {
	if protocol == "rdp" {
		return "Authentication failure (invalid credentials?)"
	}
	return "Authentication failure."
}
