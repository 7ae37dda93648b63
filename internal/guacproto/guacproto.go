// Package guacproto is the Guacamole protocol's instruction codec, shared by racd's
// gateway and by the test guacd. An instruction is a list of elements, each written as
// LENGTH.VALUE, separated by commas and ended by a semicolon: "4.size,1.0,4.1024,3.768;".
// LENGTH counts the value's Unicode code points, not its bytes, so the codec decodes
// UTF-8 while it scans. Parsing is strict (no signs, spaces or leading text; valid
// UTF-8 only) and bounded (instruction size, element count), because both ends of the
// gateway are untrusted input: the browser, and a guacd speaking for a remote machine.
package guacproto

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits of one instruction. guacd's own parser accepts at most 128 elements; the
// largest instruction it sends in practice is a blob of about 8 KiB. A connect for RDP
// carries about a hundred values, so both fit with room to spare.
const (
	// MaxElements bounds the elements of one instruction, opcode included.
	MaxElements = 128
	// DefaultMaxLen bounds the encoded size of one instruction in bytes.
	DefaultMaxLen = 64 << 10
	// maxDigits bounds a length prefix: 7 digits hold any length under DefaultMaxLen's
	// largest sensible setting and keep the number far from overflowing an int.
	maxDigits = 7
)

// Errors of parsing. A *SyntaxError wraps ErrMalformed.
var (
	// ErrMalformed is input that is not a Guacamole instruction.
	ErrMalformed = errors.New("guacproto: malformed instruction")
	// ErrTooLong is an instruction over the size or element bound.
	ErrTooLong = errors.New("guacproto: instruction too long")
)

// SyntaxError says where and why input is not an instruction.
type SyntaxError struct {
	Offset int // byte offset within the instruction
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("guacproto: malformed instruction at byte %d: %s", e.Offset, e.Msg)
}

// Unwrap lets errors.Is(err, ErrMalformed) hold.
func (e *SyntaxError) Unwrap() error { return ErrMalformed }

// Instruction is one decoded instruction. The opcode "" marks the tunnel's internal
// instructions (ping, the tunnel's UUID), which a tunnel answers itself and never
// passes on to guacd.
type Instruction struct {
	Opcode string
	Args   []string
}

// New returns the instruction opcode(args...).
func New(opcode string, args ...string) Instruction {
	return Instruction{Opcode: opcode, Args: args}
}

// Append appends the encoded instruction to dst.
func (in Instruction) Append(dst []byte) []byte {
	dst = appendElement(dst, in.Opcode)
	for _, a := range in.Args {
		dst = append(dst, ',')
		dst = appendElement(dst, a)
	}
	return append(dst, ';')
}

// Encode returns the encoded instruction.
func (in Instruction) Encode() []byte { return in.Append(nil) }

func appendElement(dst []byte, v string) []byte {
	dst = strconv.AppendInt(dst, int64(utf8.RuneCountInString(v)), 10)
	dst = append(dst, '.')
	return append(dst, v...)
}

// Parse decodes one complete encoded instruction (exactly one, nothing after it).
func Parse(raw []byte) (Instruction, error) {
	n, err := scan(raw, len(raw)+1)
	if err != nil {
		return Instruction{}, err
	}
	if n == 0 {
		return Instruction{}, &SyntaxError{Offset: len(raw), Msg: "incomplete instruction"}
	}
	if n != len(raw) {
		return Instruction{}, &SyntaxError{Offset: n, Msg: "data after the instruction"}
	}
	var in Instruction
	first := true
	forEachElement(raw, func(v []byte) {
		if first {
			in.Opcode = string(v)
			first = false
			return
		}
		in.Args = append(in.Args, string(v))
	})
	return in, nil
}

// Opcode returns the opcode of a complete, already validated instruction without
// allocating and without walking the rest of it.
func Opcode(raw []byte) []byte {
	n, i := 0, 0
	for i < len(raw) && raw[i] != '.' {
		n = n*10 + int(raw[i]-'0')
		i++
	}
	i++
	start := i
	for ; n > 0 && i < len(raw); n-- {
		if raw[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRune(raw[i:])
		i += size
	}
	return raw[start:i:i]
}

// Split calls fn with each instruction of buf, which must hold whole instructions
// only, each at most maxLen bytes. It stops at the first error, from parsing or fn.
func Split(buf []byte, maxLen int, fn func(raw []byte) error) error {
	for off := 0; off < len(buf); {
		n, err := scan(buf[off:], maxLen)
		if err != nil {
			return offsetError(err, off)
		}
		if n == 0 {
			return &SyntaxError{Offset: len(buf), Msg: "incomplete instruction"}
		}
		if err := fn(buf[off : off+n]); err != nil {
			return err
		}
		off += n
	}
	return nil
}

func offsetError(err error, off int) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		return &SyntaxError{Offset: se.Offset + off, Msg: se.Msg}
	}
	return err
}

// forEachElement calls fn with each element's value of a validated instruction.
func forEachElement(raw []byte, fn func(v []byte)) {
	i := 0
	for i < len(raw) {
		n := 0
		for raw[i] != '.' {
			n = n*10 + int(raw[i]-'0')
			i++
		}
		i++
		start := i
		ascii := asciiPrefix(raw[i:min(len(raw), i+n)])
		i += ascii
		for n -= ascii; n > 0; n-- {
			if raw[i] < utf8.RuneSelf {
				i++
				continue
			}
			_, size := utf8.DecodeRune(raw[i:])
			i += size
		}
		fn(raw[start:i])
		i++ // ',' or ';'
	}
}

// scan checks the instruction at the start of buf. It returns its length when it is
// complete, 0 when buf ends before it does (more input may complete it), or an error
// when it cannot be an instruction or grows past maxLen bytes.
func scan(buf []byte, maxLen int) (int, error) {
	n, _, err := scanFrom(buf, resumePoint{}, maxLen)
	return n, err
}

// resumePoint is where an incomplete instruction's scan stopped: the offset it reached,
// how many elements ended before it, and, when it stopped inside a value, how many code
// points of that value are still to come (so a large value arriving in pieces is
// scanned once).
type resumePoint struct {
	off, elements int
	inValue       bool
	remaining     int
}

// scanFrom is scan resuming at r; it also returns where to resume next time.
func scanFrom(buf []byte, r resumePoint, maxLen int) (n int, resume resumePoint, err error) {
	i, elements := r.off, r.elements
	length, inValue := r.remaining, r.inValue
	for {
		resume = resumePoint{off: i, elements: elements}
		if inValue {
			inValue = false
			goto value
		}
		if i >= maxLen {
			return 0, resume, ErrTooLong
		}
		// LENGTH
		{
			start := i
			length = 0
			for {
				if i >= len(buf) {
					if i-start > maxDigits {
						return 0, resume, &SyntaxError{Offset: start, Msg: "length too long"}
					}
					return 0, resume, nil
				}
				c := buf[i]
				if c == '.' {
					break
				}
				if c < '0' || c > '9' {
					return 0, resume, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected %q in a length", c)}
				}
				if i-start >= maxDigits {
					return 0, resume, &SyntaxError{Offset: start, Msg: "length too long"}
				}
				length = length*10 + int(c-'0')
				i++
			}
			if i == start {
				return 0, resume, &SyntaxError{Offset: i, Msg: "missing length"}
			}
			if i-start > 1 && buf[start] == '0' {
				return 0, resume, &SyntaxError{Offset: start, Msg: "length with a leading zero"}
			}
			if length >= maxLen {
				return 0, resume, ErrTooLong
			}
			i++ // '.'
		}
	value:
		// VALUE: length code points. Most values are ASCII (base64 image data, numbers):
		// skip a run of ASCII bytes eight at a time first.
		if ascii := asciiPrefix(buf[i:min(len(buf), i+length)]); ascii > 0 {
			i += ascii
			length -= ascii
		}
		for ; length > 0; length-- {
			if i >= len(buf) {
				if i >= maxLen {
					return 0, resume, ErrTooLong
				}
				return 0, resumePoint{off: i, elements: elements, inValue: true, remaining: length}, nil
			}
			c := buf[i]
			if c < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(buf[i:]) {
					// A code point cut by the end of the input: resume at its start.
					return 0, resumePoint{off: i, elements: elements, inValue: true, remaining: length}, nil
				}
				return 0, resume, &SyntaxError{Offset: i, Msg: "invalid UTF-8"}
			}
			i += size
		}
		if i >= len(buf) {
			if i >= maxLen {
				return 0, resume, ErrTooLong
			}
			// The value is complete; its separator has not arrived yet.
			return 0, resumePoint{off: i, elements: elements, inValue: true}, nil
		}
		elements++
		switch buf[i] {
		case ';':
			if i+1 > maxLen {
				return 0, resume, ErrTooLong
			}
			return i + 1, resume, nil
		case ',':
			if elements >= MaxElements {
				return 0, resume, ErrTooLong
			}
			i++
		default:
			return 0, resume, &SyntaxError{Offset: i, Msg: fmt.Sprintf("unexpected %q after an element", buf[i])}
		}
	}
}

// asciiPrefix returns how many bytes at the start of b are ASCII: 32 bytes per step
// while it can (a relay scans every byte of every blob it passes on), then 8, then 1.
func asciiPrefix(b []byte) int {
	const high = 0x8080808080808080
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w := b[i : i+32 : i+32]
		if (binary.LittleEndian.Uint64(w[0:8])|binary.LittleEndian.Uint64(w[8:16])|
			binary.LittleEndian.Uint64(w[16:24])|binary.LittleEndian.Uint64(w[24:32]))&high != 0 {
			break
		}
	}
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:i+8])&high != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] < utf8.RuneSelf; i++ {
	}
	return i
}
