package httpapi

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/racd/racd/internal/racd"
)

// Page sizes: DRF's default, and racd's cap (clients follow "next").
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// Bounds on search and ordering (racd's; DRF has none): each search term is one more
// substring condition over every search field, and SQLite refuses a statement nested
// too deep or a LIKE pattern over 50,000 bytes, which answered 500.
const (
	maxSearchTerms      = 16
	maxSearchTermLength = 256 // characters
	maxOrderingTerms    = 16
)

var (
	msgSearchTerms      = fmt.Sprintf("Ensure this field has no more than %d terms.", maxSearchTerms)
	msgSearchTermLength = fmt.Sprintf("Ensure each term has no more than %d characters.", maxSearchTermLength)
	msgOrderingTerms    = fmt.Sprintf("Ensure this field has no more than %d terms.", maxOrderingTerms)
)

// lastValue returns the last value of a query parameter, as Django's QueryDict.get
// does ("" when absent).
func lastValue(q url.Values, name string) string {
	v := q[name]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseQuery parses a raw query string the way Django builds request.GET (Python's
// parse_qsl with blank values kept): pairs split on '&' only (a ';' is data, not a
// separator, unlike url.ParseQuery which drops such pairs), '+' is a space, invalid
// percent escapes stay as written, and bytes that are not UTF-8 become U+FFFD.
func parseQuery(raw string) url.Values {
	out := url.Values{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, v = unquotePlus(k), unquotePlus(v)
		out[k] = append(out[k], v)
	}
	return out
}

// unquotePlus is Python's urllib.parse.unquote_plus with errors="replace".
func unquotePlus(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// query returns the request's query parameters as Django would see them.
func (c *call) query() url.Values { return parseQuery(c.r.URL.RawQuery) }

// listQuery reads page, page_size, search and ordering the way authentik's
// PageNumberPagination, SearchFilter and OrderingFilter do. allowed are the field
// names ordering accepts; unknown terms are dropped.
func listQuery(q url.Values, allowed []string) (racd.ListQuery, error) {
	lq := racd.ListQuery{Page: 1, PageSize: defaultPageSize}
	// DRF: `query_params.get("page") or 1`, then "last", then Django's int().
	if p := lastValue(q, "page"); p != "" {
		if p == "last" {
			lq.Page = racd.LastPage
		} else {
			n, ok := pyInt(p)
			if !ok || n < 1 || n > 1<<40 {
				return lq, errDetail(404, msgInvalidPage)
			}
			lq.Page = int(n)
		}
	}
	if v := lastValue(q, "page_size"); v != "" {
		if n, ok := pyInt(v); ok && n > 0 {
			lq.PageSize = int(min(n, maxPageSize))
		}
	}
	lq.Search = searchTerms(lastValue(q, "search"))
	if len(lq.Search) > maxSearchTerms {
		return lq, racd.FieldError("search", msgSearchTerms)
	}
	for _, t := range lq.Search {
		if utf8.RuneCountInString(t) > maxSearchTermLength {
			return lq, racd.FieldError("search", msgSearchTermLength)
		}
	}
	ordering := lastValue(q, "ordering")
	if strings.Count(ordering, ",") >= maxOrderingTerms && countTerms(ordering) > maxOrderingTerms {
		return lq, racd.FieldError("ordering", msgOrderingTerms)
	}
	lq.Ordering = orderingTerms(ordering, allowed)
	return lq, nil
}

// countTerms counts the non-blank comma-separated terms of an ordering.
func countTerms(s string) int {
	n := 0
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) != "" {
			n++
		}
	}
	return n
}

// searchTerms splits a search the way DRF does: on whitespace, keeping quoted
// phrases together, then unquoted tokens on commas; empty terms are dropped.
//
// A term holding a NUL is kept: no stored text contains one, so it matches nothing
// (the store never sends it to the database).
func searchTerms(s string) []string {
	var out []string
	for _, tok := range smartSplit(s) {
		tok = strings.Trim(tok, ",")
		if tok != "" && (tok[0] == '"' || tok[0] == '\'') && tok[len(tok)-1] == tok[0] {
			// DRF's unescape_string_literal; a lone quote or "" leaves an empty
			// term, which matches everything, as no term at all.
			if len(tok) >= 2 {
				if inner := unquote(tok); inner != "" {
					out = append(out, inner)
				}
			}
			continue
		}
		for _, sub := range strings.Split(tok, ",") {
			if sub = strings.TrimSpace(sub); sub != "" {
				out = append(out, sub)
			}
		}
	}
	return out
}

// pySpaceClass is Python's \s for str patterns, as a character-class body.
const pySpaceClass = `\t\n\v\f\r \x1c-\x1f\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// smartSplitRE is Django's smart_split pattern: runs of non-space text in which quoted
// stretches (with backslash escapes) may hold spaces; a quote that never closes is
// ordinary text.
var smartSplitRE = regexp.MustCompile(`(?:[^` + pySpaceClass + `'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^` + pySpaceClass + `'"]*)+)|[^` + pySpaceClass + `]+`)

// smartSplit splits on whitespace outside quotes (Django's smart_split).
func smartSplit(s string) []string { return smartSplitRE.FindAllString(s, -1) }

// unquote strips matching quotes and unescapes \" \' and \\ inside.
func unquote(s string) string {
	q := s[0]
	inner := s[1 : len(s)-1]
	r := strings.NewReplacer(`\`+string(q), string(q), `\\`, `\`)
	return r.Replace(inner)
}

// orderingTerms parses "a,-b" keeping only allowed fields, each once (a repeated
// field cannot change the order its first occurrence sets).
func orderingTerms(s string, allowed []string) []racd.OrderTerm {
	if s == "" {
		return nil
	}
	var out []racd.OrderTerm
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		if !slices.Contains(allowed, name) || slices.ContainsFunc(out, func(t racd.OrderTerm) bool { return t.Field == name }) {
			continue
		}
		out = append(out, racd.OrderTerm{Field: name, Desc: desc})
	}
	return out
}

// cleanQueryValue makes a query-string value safe to compare with stored text:
// invalid UTF-8 becomes U+FFFD (as Django decodes a query string), and so does NUL,
// which no stored text contains; such a filter matches nothing instead of making
// PostgreSQL reject the statement.
func cleanQueryValue(v string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "\uFFFD")
}

// pagination is the envelope's "pagination" object.
type pagination struct {
	Next       int `json:"next"`
	Previous   int `json:"previous"`
	Count      int `json:"count"`
	Current    int `json:"current"`
	TotalPages int `json:"total_pages"`
	StartIndex int `json:"start_index"`
	EndIndex   int `json:"end_index"`
}

// pageJSON is a page of a list: 2024.6's keys, then autocomplete, which clients read
// from 2025.6 (authentik fills it for its enterprise query language only; racd has
// none, so it is always {}).
type pageJSON[T any] struct {
	Pagination   pagination     `json:"pagination"`
	Results      []T            `json:"results"`
	Autocomplete map[string]any `json:"autocomplete"`
}

// newPage builds the envelope for the objects of page q out of count, each rendered
// by wire.
func newPage[O, T any](q racd.ListQuery, count int, objs []O, wire func(O) T) pageJSON[T] {
	results := make([]T, len(objs))
	for i, obj := range objs {
		results[i] = wire(obj)
	}
	cur := q.ResolvedPage(count)
	pages := racd.TotalPages(count, q.PageSize)
	p := pagination{Count: count, Current: cur, TotalPages: pages}
	if cur < pages {
		p.Next = cur + 1
	}
	if cur > 1 {
		p.Previous = cur - 1
	}
	if count > 0 && len(results) > 0 {
		p.StartIndex = (cur-1)*q.PageSize + 1
		p.EndIndex = p.StartIndex + len(results) - 1
	}
	return pageJSON[T]{Pagination: p, Results: results, Autocomplete: map[string]any{}}
}
