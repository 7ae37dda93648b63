package guacproto

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestEncodeCountsCodePoints(t *testing.T) {
	cases := []struct {
		in   Instruction
		want string
	}{
		{New("size", "0", "1024", "768"), "4.size,1.0,4.1024,3.768;"},
		{New("nop"), "3.nop;"},
		{New("", "ping", "1700000000000"), "0.,4.ping,13.1700000000000;"},
		{New("clipboard", "é"), "9.clipboard,1.é;"},                  // 2 bytes, 1 code point
		{New("name", "日本語"), "4.name,3.日本語;"},                        // 9 bytes, 3 code points
		{New("x", "😀a"), "1.x,2.😀a;"},                                // 4-byte rune counts once
		{New("select", ""), "6.select,0.;"},                          // empty element
		{New("error", "a,b;c.d", "769"), "5.error,7.a,b;c.d,3.769;"}, // delimiters inside values
	}
	for _, c := range cases {
		got := string(c.in.Encode())
		if got != c.want {
			t.Errorf("Encode(%q) = %q, want %q", c.in, got, c.want)
		}
		back, err := Parse([]byte(got))
		if err != nil {
			t.Errorf("Parse(%q): %v", got, err)
			continue
		}
		if back.Opcode != c.in.Opcode || !sameArgs(back.Args, c.in.Args) {
			t.Errorf("Parse(%q) = %q, want %q", got, back, c.in)
		}
		if op := string(Opcode([]byte(got))); op != c.in.Opcode {
			t.Errorf("Opcode(%q) = %q", got, op)
		}
	}
}

func sameArgs(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		raw  string
		want error
	}{
		{"4.size,1.0", ErrMalformed},  // incomplete
		{"4.siz;", ErrMalformed},      // value shorter than its length
		{"3.size;", ErrMalformed},     // value longer than its length
		{"-1.a;", ErrMalformed},       // sign
		{"+1.a;", ErrMalformed},       // sign
		{" 1.a;", ErrMalformed},       // space
		{"01.a;", ErrMalformed},       // leading zero
		{".a;", ErrMalformed},         // no length
		{"1.a", ErrMalformed},         // no terminator
		{"1.a;x", ErrMalformed},       // trailing data
		{"1.a:", ErrMalformed},        // wrong separator
		{"2.\xff\xfe;", ErrMalformed}, // invalid UTF-8
		{"1.\xc3;", ErrMalformed},     // truncated rune
		{"2.é;", ErrMalformed},        // é is one code point, not two bytes
		{"99999999.a;", ErrMalformed}, // too many digits
		{"1.a," + strings.Repeat("1.b,", MaxElements) + "1.c;", ErrTooLong},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.raw))
		if !errors.Is(err, c.want) {
			t.Errorf("Parse(%q): %v, want %v", c.raw, err, c.want)
		}
	}
}

func TestSplit(t *testing.T) {
	msg := "4.sync,3.123;0.,4.ping,2.42;3.key,5.65507,1.1;"
	var got []string
	if err := Split([]byte(msg), DefaultMaxLen, func(raw []byte) error {
		got = append(got, string(raw))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"4.sync,3.123;", "0.,4.ping,2.42;", "3.key,5.65507,1.1;"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Split = %q, want %q", got, want)
	}
	for _, bad := range []string{"4.sync,3.123;4.sy", "4.sync,3.123;;", "x"} {
		if err := Split([]byte(bad), DefaultMaxLen, func([]byte) error { return nil }); !errors.Is(err, ErrMalformed) {
			t.Errorf("Split(%q): %v, want ErrMalformed", bad, err)
		}
	}
	long := New("blob", "1", strings.Repeat("A", 100)).Encode()
	if err := Split(long, 50, func([]byte) error { return nil }); !errors.Is(err, ErrTooLong) {
		t.Errorf("Split over maxLen: %v, want ErrTooLong", err)
	}
}

// TestScannerPieces feeds instructions one byte at a time, cutting every multi-byte
// code point, and checks each arrives whole and in order.
func TestScannerPieces(t *testing.T) {
	ins := []Instruction{
		New("args", "VERSION_1_5_0", "hostname", "port"),
		New("clipboard", "héllo 日本 😀"),
		New("blob", "1", strings.Repeat("QUJD", 3000)),
		New(""),
		New("sync", "1700000000000"),
	}
	var all []byte
	for _, in := range ins {
		all = in.Append(all)
	}
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(bytes.NewReader(all)),
		"half":     iotest.HalfReader(bytes.NewReader(all)),
		"whole":    bytes.NewReader(all),
	} {
		sc := NewScanner(r, 0)
		for i, want := range ins {
			raw, err := sc.Next()
			if err != nil {
				t.Fatalf("%s: instruction %d: %v", name, i, err)
			}
			if string(raw) != string(want.Encode()) {
				t.Fatalf("%s: instruction %d = %.60q, want %.60q", name, i, raw, want.Encode())
			}
		}
		if _, err := sc.Next(); err != io.EOF {
			t.Fatalf("%s: after the last instruction: %v, want EOF", name, err)
		}
	}
}

func TestScannerErrors(t *testing.T) {
	sc := NewScanner(strings.NewReader("4.sync,3.1"), 0)
	if _, err := sc.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("truncated stream: %v, want ErrUnexpectedEOF", err)
	}
	sc = NewScanner(strings.NewReader("4.sync;x.y;"), 0)
	if _, err := sc.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Next(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("garbage: %v, want ErrMalformed", err)
	}
	// An endless element is refused once it passes the bound, without buffering more.
	endless := io.MultiReader(strings.NewReader("4.blob,9999999."), &repeatReader{b: 'A'})
	sc = NewScanner(endless, 1<<10)
	if _, err := sc.Next(); !errors.Is(err, ErrTooLong) && !errors.Is(err, ErrMalformed) {
		t.Fatalf("endless element: %v, want ErrTooLong", err)
	}
	sc = NewScanner(io.MultiReader(strings.NewReader("4.blob,500."), &repeatReader{b: 'A'}), 256)
	if _, err := sc.Next(); !errors.Is(err, ErrTooLong) {
		t.Fatalf("element over the bound: %v, want ErrTooLong", err)
	}
	if cap(sc.buf) > maxRead {
		t.Fatalf("buffer grew to %d for a bound of 256", cap(sc.buf))
	}
}

// TestScannerBuffer: while reads fill the buffer it grows to maxRead (a busy stream is
// read in large pieces) and no further; once a small read (a sync, a keep-alive) has
// been consumed, it drops back to minBuf (an idle session holds little).
func TestScannerBuffer(t *testing.T) {
	var busy []byte
	for len(busy) < 2<<20 {
		busy = New("blob", "1", strings.Repeat("QUJD", 2000)).Append(busy)
	}
	r := &scriptReader{busy: busy, then: New("sync", "1").Encode()}
	sc := NewScanner(r, 0)
	largest := 0
	for {
		raw, err := sc.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, cap(sc.buf))
		if string(Opcode(raw)) == "sync" && cap(sc.buf) != maxRead {
			t.Fatalf("the small read came into a %d-byte buffer, want the stream's %d", cap(sc.buf), maxRead)
		}
	}
	if largest != maxRead {
		t.Fatalf("the buffer grew to %d during the stream, want %d", largest, maxRead)
	}
	if cap(sc.buf) != minBuf {
		t.Fatalf("after the stream went quiet the buffer holds %d bytes, want %d", cap(sc.buf), minBuf)
	}
}

// scriptReader fills every read from busy until it is used up, then returns then in
// one read, then io.EOF.
type scriptReader struct{ busy, then []byte }

func (r *scriptReader) Read(p []byte) (int, error) {
	if len(r.busy) > 0 {
		n := copy(p, r.busy)
		r.busy = r.busy[n:]
		return n, nil
	}
	if len(r.then) > 0 {
		n := copy(p, r.then)
		r.then = r.then[n:]
		return n, nil
	}
	return 0, io.EOF
}

type repeatReader struct{ b byte }

func (r *repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}

func TestNextBatch(t *testing.T) {
	var all []byte
	for i := 0; i < 100; i++ {
		all = New("sync", "12345").Append(all)
	}
	sc := NewScanner(bytes.NewReader(all), 0)
	var seen int
	batch, err := sc.NextBatch(130, func(raw []byte) { seen++ })
	if err != nil {
		t.Fatal(err)
	}
	one := len(New("sync", "12345").Encode())
	if len(batch) != 130/one*one || seen != 130/one {
		t.Fatalf("batch of %d bytes, %d instructions; want %d instructions within 130 bytes", len(batch), seen, 130/one)
	}
	total := seen
	for {
		b, err := sc.NextBatch(1<<20, func([]byte) { total++ })
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b)%one != 0 {
			t.Fatalf("batch of %d bytes does not hold whole instructions", len(b))
		}
	}
	if total != 100 {
		t.Fatalf("saw %d instructions, want 100", total)
	}
}

// FuzzScanner checks that whatever arrives, the scanner returns only instructions that
// Parse accepts and that re-encode to the same bytes, and Split agrees with it.
func FuzzScanner(f *testing.F) {
	f.Add([]byte("4.size,1.0,4.1024,3.768;3.nop;"))
	f.Add([]byte("0.,4.ping,2.42;"))
	f.Add([]byte("9.clipboard,3.日本語;"))
	f.Add([]byte("1.a,\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc := NewScanner(iotest.HalfReader(bytes.NewReader(data)), 512)
		var scanned [][]byte
		for {
			raw, err := sc.Next()
			if err != nil {
				break
			}
			in, perr := Parse(raw)
			if perr != nil {
				t.Fatalf("scanner returned %q, which Parse rejects: %v", raw, perr)
			}
			if !bytes.Equal(in.Encode(), raw) {
				t.Fatalf("%q re-encodes as %q", raw, in.Encode())
			}
			scanned = append(scanned, append([]byte(nil), raw...))
		}
		var split [][]byte
		_ = Split(data, 512, func(raw []byte) error {
			split = append(split, append([]byte(nil), raw...))
			return nil
		})
		if len(split) > len(scanned) {
			t.Fatalf("Split found %d instructions, the scanner %d", len(split), len(scanned))
		}
		for i := range split {
			if !bytes.Equal(split[i], scanned[i]) {
				t.Fatalf("instruction %d: Split %q, scanner %q", i, split[i], scanned[i])
			}
		}
	})
}

func BenchmarkScanner(b *testing.B) {
	var all []byte
	for i := 0; i < 64; i++ {
		all = New("blob", "3", strings.Repeat("iVBORw0KGgo", 100)).Append(all)
		all = New("sync", "1700000000000").Append(all)
	}
	b.SetBytes(int64(len(all)))
	r := bytes.NewReader(all)
	for i := 0; i < b.N; i++ {
		r.Reset(all)
		sc := NewScanner(r, 0)
		for {
			if _, err := sc.NextBatch(16<<10, nil); err != nil {
				break
			}
		}
	}
}
