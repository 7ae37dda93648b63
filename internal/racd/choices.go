package racd

import "slices"

// Choices is the closed set of values of a choice field: the values authentik 2024.6
// knows, and those newer authentik versions added. Newer values are accepted in
// requests and stored as sent, but every answer shows a stored newer value as the
// 2024.6 value it falls back to (Shown): one answer serves every client, and the Go
// clients refuse enum values they do not know.
type Choices struct {
	Values []string          // authentik 2024.6's values
	Newer  map[string]string // a newer value → the 2024.6 value answers show for it
}

// Valid reports whether v is a value of c, 2024.6's or newer.
func (c Choices) Valid(v string) bool {
	_, newer := c.Newer[v]
	return newer || slices.Contains(c.Values, v)
}

// Shown is the value answers show for the stored value v.
func (c Choices) Shown(v string) string {
	if old, ok := c.Newer[v]; ok {
		return old
	}
	return v
}

// NewerValues lists the newer values of c, sorted.
func (c Choices) NewerValues() []string {
	out := make([]string, 0, len(c.Newer))
	for v := range c.Newer {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// applyChoices copies a sent choice onto dst after checking it is one of c. A client
// that knows only 2024.6's values sends back what it was shown: a sent value equal to
// how the stored value is shown leaves the stored (newer) value in place, so that a
// read-modify-write by an old client does not turn sidebar_left_frame_background into
// sidebar_left. Any other value replaces it.
func applyChoices(errs *FieldErrors, field string, v Opt[string], c Choices, dst *string) {
	if !sent(errs, field, v) {
		return
	}
	switch {
	case !c.Valid(v.V):
		errs.Add(field, MsgInvalidChoice(v.V))
	case v.V != *dst && v.V == c.Shown(*dst):
		// The old client's view of the stored value: keep it.
	default:
		*dst = v.V
	}
}
