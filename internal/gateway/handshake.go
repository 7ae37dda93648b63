package gateway

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/guacproto"
)

// What racd offers guacd in the handshake: the audio and image types browsers play
// and draw, and no video.
var (
	handshakeAudio = []string{"audio/L8", "audio/L16"}
	handshakeImage = []string{"image/png", "image/jpeg", "image/webp"}
)

// clientVersion is the newest protocol version the session page (guacamole-common-js
// 1.5.0) speaks. racd declares the version guacd offers, but never a newer one.
var clientVersion = [3]int{1, 5, 0}

// connectParams is what a handshake asks guacd for.
type connectParams struct {
	Protocol           string
	Width, Height, DPI int
	Timezone           string            // "" when the page sent none
	Settings           map[string]string // the merged connection settings (credentials included)
}

// guacdError is an error instruction guacd sent; raw is the instruction as received,
// passed on to the page as it is.
type guacdError struct {
	Status  int
	Message string
	raw     []byte
}

func (e *guacdError) Error() string { return fmt.Sprintf("guacd: %s (%d)", e.Message, e.Status) }

// handshakeError is a failed handshake with the reason the page is told.
type handshakeError struct {
	reason Reason
	err    error
}

func (e *handshakeError) Error() string { return e.reason.Key + ": " + e.err.Error() }
func (e *handshakeError) Unwrap() error { return e.err }

// ReasonGuacdHangup: guacd closed the connection during the handshake without a word.
var ReasonGuacdHangup = Reason{Key: "guacd_hangup", Status: StatusUpstreamError, Message: "The remote desktop proxy (guacd) closed the connection."}

// handshake runs racd's side of the Guacamole handshake on conn: select, then after
// guacd's args the size, audio, video, image and (when known) timezone instructions and
// connect with one value per name in args, in that order, then ready. The caller bounds
// it with a deadline on conn. It returns guacd's connection id; sc may already hold
// instructions guacd sent after ready.
func handshake(conn net.Conn, sc *guacproto.Scanner, p connectParams) (string, error) {
	if _, err := conn.Write(guacproto.New("select", p.Protocol).Encode()); err != nil {
		return "", classifyHandshake(err)
	}
	args, err := readHandshake(sc, "args")
	if err != nil {
		return "", err
	}
	names, version := args.Args, ""
	if len(names) > 0 && strings.HasPrefix(names[0], "VERSION_") {
		version, names = declaredVersion(names[0]), names[1:]
	}
	values := make([]string, 0, len(args.Args))
	if len(args.Args) > len(names) {
		values = append(values, version)
	}
	for _, n := range names {
		values = append(values, p.Settings[n])
	}
	itoa := strconv.Itoa
	var out []byte
	out = guacproto.New("size", itoa(p.Width), itoa(p.Height), itoa(p.DPI)).Append(out)
	out = guacproto.New("audio", handshakeAudio...).Append(out)
	out = guacproto.New("video").Append(out)
	out = guacproto.New("image", handshakeImage...).Append(out)
	if p.Timezone != "" {
		out = guacproto.New("timezone", p.Timezone).Append(out)
	}
	out = guacproto.New("connect", values...).Append(out)
	if _, err := conn.Write(out); err != nil {
		return "", classifyHandshake(err)
	}
	ready, err := readHandshake(sc, "ready")
	if err != nil {
		return "", err
	}
	if len(ready.Args) < 1 {
		return "", &handshakeError{ReasonUpstreamBad, errors.New("ready without a connection id")}
	}
	return ready.Args[0], nil
}

// readHandshake reads the instruction guacd must send next (want), or its error.
func readHandshake(sc *guacproto.Scanner, want string) (guacproto.Instruction, error) {
	raw, err := sc.Next()
	if err != nil {
		return guacproto.Instruction{}, classifyHandshake(err)
	}
	in, err := guacproto.Parse(raw)
	if err != nil {
		return in, &handshakeError{ReasonUpstreamBad, err}
	}
	switch in.Opcode {
	case want:
		return in, nil
	case "error":
		ge := &guacdError{raw: append([]byte(nil), raw...)}
		if len(in.Args) >= 2 {
			ge.Message = in.Args[0]
			ge.Status, _ = strconv.Atoi(in.Args[1])
		}
		return in, ge
	}
	return in, &handshakeError{ReasonUpstreamBad, fmt.Errorf("guacd sent %q, want %q", in.Opcode, want)}
}

func classifyHandshake(err error) error {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return &handshakeError{ReasonHandshake, err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return &handshakeError{ReasonGuacdHangup, err}
	case errors.Is(err, guacproto.ErrMalformed), errors.Is(err, guacproto.ErrTooLong):
		return &handshakeError{ReasonUpstreamBad, err}
	}
	return &handshakeError{ReasonGuacdHangup, err}
}

// declaredVersion is the version racd declares when guacd offers offered: the same,
// unless it is newer than the page speaks.
func declaredVersion(offered string) string {
	parts := strings.Split(strings.TrimPrefix(offered, "VERSION_"), "_")
	if len(parts) != 3 {
		return offered
	}
	var v [3]int
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil {
			return offered
		}
		v[i] = n
	}
	for i := range v {
		if v[i] != clientVersion[i] {
			if v[i] > clientVersion[i] {
				return fmt.Sprintf("VERSION_%d_%d_%d", clientVersion[0], clientVersion[1], clientVersion[2])
			}
			break
		}
	}
	return offered
}
