package racd

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input is a create or update request for objects of type T (a pointer) after wire
// decoding: the fields the client sent, and the problems decoding found. The store
// applies it inside its write transaction, adds what only it can check (references,
// uniqueness) and writes the object only when no problem remains.
type Input[T any] interface {
	// Apply validates the static rules of every sent field that decoded cleanly and
	// copies the valid ones onto obj, a new object (create) or the stored one. errs
	// holds the decoder's problems on entry and receives Apply's.
	Apply(obj T, create bool, errs *FieldErrors)
	// DecodeErrors returns the problems decoding found.
	DecodeErrors() *FieldErrors
}

// Decoding is what every Input embeds: the problems wire decoding found (wrong types,
// nulls, missing required fields).
type Decoding struct {
	Errors FieldErrors
}

// DecodeErrors implements Input.
func (d *Decoding) DecodeErrors() *FieldErrors { return &d.Errors }

// take copies a sent field that decoded cleanly onto dst and reports whether it did.
func take[T any](errs *FieldErrors, field string, v Opt[T], dst *T) bool {
	if !v.Set || errs.Has(field) {
		return false
	}
	*dst = v.V
	return true
}

// sent reports whether a field was sent and decoded cleanly.
func sent[T any](errs *FieldErrors, field string, v Opt[T]) bool { return v.Set && !errs.Has(field) }

// ValidateSlug checks a slug field (trimmed, non-blank, at most max characters, of
// letters, digits, '-' and '_'), records every problem and returns the trimmed slug.
func ValidateSlug(errs *FieldErrors, field, v string, max int) (string, bool) {
	s := strings.TrimSpace(v)
	if s == "" {
		errs.Add(field, MsgBlank)
		return "", false
	}
	ok := true
	if len([]rune(s)) > max {
		errs.Add(field, MsgMaxLength(max))
		ok = false
	}
	if !slugPattern.MatchString(s) {
		errs.Add(field, MsgInvalidSlug)
		ok = false
	}
	return s, ok
}

// applySlug copies a slug field (ValidateSlug) onto dst.
func applySlug(errs *FieldErrors, field string, v Opt[string], max int, dst *string) {
	if msgs := errs.Messages(field); v.Set && len(msgs) == 1 && msgs[0] == MsgMaxLength(max) {
		// Over its length (CheckLimits): DRF runs the pattern's validator too.
		if !slugPattern.MatchString(strings.TrimSpace(v.V)) {
			errs.Add(field, MsgInvalidSlug)
		}
		return
	}
	if sent(errs, field, v) {
		if s, ok := ValidateSlug(errs, field, v.V, max); ok {
			*dst = s
		}
	}
}

// applyText copies a required-non-blank text field (trimmed). Its length limit is
// the input's tag (CheckLimits).
func applyText(errs *FieldErrors, field string, v Opt[string], dst *string) {
	if !sent(errs, field, v) {
		return
	}
	if s := strings.TrimSpace(v.V); s == "" {
		errs.Add(field, MsgBlank)
	} else {
		*dst = s
	}
}

// applyBlankable copies a text field that may be blank (trimmed).
func applyBlankable(errs *FieldErrors, field string, v Opt[string], dst *string) {
	if sent(errs, field, v) {
		*dst = strings.TrimSpace(v.V)
	}
}

// applyChoice copies a choice field after checking it is one of choices.
func applyChoice(errs *FieldErrors, field string, v Opt[string], choices []string, dst *string) {
	if !sent(errs, field, v) {
		return
	}
	for _, c := range choices {
		if v.V == c {
			*dst = c
			return
		}
	}
	errs.Add(field, MsgInvalidChoice(v.V))
}

// uniqueKeys returns the distinct keys of refs, sorted (the order lists are stored
// and returned in).
func uniqueKeys[R any, K cmp.Ordered](refs []R, key func(R) K) []K {
	out := make([]K, len(refs))
	for i, r := range refs {
		out[i] = key(r)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxMediaLength bounds an image reference: a flow's background, an application's icon.
const maxMediaLength = 2048

// MsgInvalidMedia refuses an image reference with white space or control characters.
const MsgInvalidMedia = "Enter a valid URL or path."

// applyMediaURL copies an image reference (a URL or a path; "" for none, which means
// authentik's default): trimmed, at most maxMediaLength characters, and without white
// space or control characters inside, since answers hand it to browsers as a URL.
func applyMediaURL(errs *FieldErrors, field string, v Opt[string], dst *string) {
	if !sent(errs, field, v) {
		return
	}
	s := strings.TrimSpace(v.V)
	switch {
	case utf8.RuneCountInString(s) > maxMediaLength:
		errs.Add(field, MsgMaxLength(maxMediaLength))
	case strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || unicode.IsSpace(r) }) >= 0:
		errs.Add(field, MsgInvalidMedia)
	default:
		*dst = s
	}
}

// themePlaceholder marks an image reference with a light and a dark variant.
const themePlaceholder = "%(theme)s"

// ThemedURLs returns the light and dark variants of an image reference holding
// authentik's %(theme)s placeholder; ok is false for one without it.
func ThemedURLs(ref string) (light, dark string, ok bool) {
	if !strings.Contains(ref, themePlaceholder) {
		return "", "", false
	}
	return strings.ReplaceAll(ref, themePlaceholder, "light"), strings.ReplaceAll(ref, themePlaceholder, "dark"), true
}
