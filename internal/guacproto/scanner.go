package guacproto

import (
	"errors"
	"io"
)

// Scanner reads whole instructions from a stream (a guacd connection) through a
// bounded buffer: at most 256 KiB, or one maximum-size instruction plus one read if
// that is more, whatever the peer sends.
type Scanner struct {
	r      io.Reader
	buf    []byte
	start  int // first byte of the next instruction
	end    int // end of buffered input
	next   int // length of the complete instruction at start, 0 if not known yet
	resume resumePoint
	maxLen int
	err    error
	full   bool // the last read filled the free space: more is probably waiting
	small  bool // the last read was under minRead bytes: the stream is quiet
}

// Buffer sizes. A scanner starts small (an idle session holds little), grows its
// buffer fourfold while reads fill it (a stream of screen updates is read in large
// pieces, so a relay makes few system calls and sends large messages: a 256 KiB read
// costs about as much as a 64 KiB one plus its bytes), keeps it while reads stay
// sizeable, and drops back once a small read (a sync, or guacd's keep-alive nop, which
// it sends at least every few seconds) has been consumed.
const (
	minRead = 4 << 10   // the least free space a read gets
	minBuf  = 4 << 10   // the buffer of an idle scanner
	maxRead = 256 << 10 // the buffer a stream grows to
	growBy  = 4         // how much a buffer grows after a read that filled it
)

// NewScanner returns a scanner of r whose instructions are at most maxLen bytes
// (DefaultMaxLen when maxLen <= 0).
func NewScanner(r io.Reader, maxLen int) *Scanner {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	return &Scanner{r: r, maxLen: maxLen}
}

// Next returns the next complete instruction, reading as needed. The slice is valid
// until the next call. At the end of the stream it returns io.EOF, or
// io.ErrUnexpectedEOF when the stream ends inside an instruction.
func (s *Scanner) Next() ([]byte, error) {
	for {
		if s.next == 0 && s.end > s.start {
			n, resume, err := scanFrom(s.buf[s.start:s.end], s.resume, s.maxLen)
			if err != nil {
				s.err = err
				return nil, err
			}
			s.next, s.resume = n, resume
		}
		if s.next > 0 {
			raw := s.buf[s.start : s.start+s.next]
			s.start += s.next
			s.next, s.resume = 0, resumePoint{}
			return raw, nil
		}
		if s.err != nil {
			return nil, s.err
		}
		if err := s.fill(); err != nil {
			if errors.Is(err, io.EOF) && s.end > s.start {
				err = io.ErrUnexpectedEOF
			}
			s.err = err
			return nil, err
		}
	}
}

// Buffered reports whether a complete instruction is already buffered, so that Next
// will return without reading. Batching relays use it to send what has arrived in one
// message without waiting for more.
func (s *Scanner) Buffered() bool {
	if s.next == 0 && s.end > s.start && s.err == nil {
		n, resume, err := scanFrom(s.buf[s.start:s.end], s.resume, s.maxLen)
		if err != nil {
			s.err = err
			return true // Next reports the error at once
		}
		s.next, s.resume = n, resume
	}
	return s.next > 0 || (s.err != nil && s.end == s.start)
}

// NextBatch returns one or more complete instructions that lie next to each other in
// the buffer: the next one (reading as needed), followed by those already buffered as
// long as the batch stays within limit bytes. each, when not nil, sees every
// instruction of the batch. The batch is valid until the next call. A relay sends a
// batch as one message without copying it and without waiting for more input.
func (s *Scanner) NextBatch(limit int, each func(raw []byte)) ([]byte, error) {
	raw, err := s.Next()
	if err != nil {
		return nil, err
	}
	begin := s.start - len(raw)
	if each != nil {
		each(raw)
	}
	for s.Buffered() && s.next > 0 && s.start+s.next-begin <= limit {
		raw = s.buf[s.start : s.start+s.next]
		s.start += s.next
		s.next, s.resume = 0, resumePoint{}
		if each != nil {
			each(raw)
		}
	}
	return s.buf[begin:s.start], nil
}

// fill reads once into the buffer, moving the partial instruction to the front first.
func (s *Scanner) fill() error {
	if s.start == s.end && s.small && cap(s.buf) > minBuf {
		// Everything was consumed after a small read: the stream went quiet.
		s.buf, s.start, s.end = nil, 0, 0
	}
	if s.start > 0 {
		// Earlier slices returned by Next are no longer in use (the contract allows
		// reusing their bytes).
		copy(s.buf, s.buf[s.start:s.end])
		s.end -= s.start
		s.start = 0
	}
	size := cap(s.buf)
	if s.full && size < maxRead {
		size *= growBy
	}
	for size-s.end < minRead {
		size = max(2*size, minBuf)
	}
	size = max(min(size, max(maxRead, s.maxLen+minRead)), minBuf)
	if size != cap(s.buf) {
		nb := make([]byte, size)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	s.buf = s.buf[:cap(s.buf)]
	free := len(s.buf) - s.end
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	s.full, s.small = n == free, n < minRead
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}
