package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/racd/racd/internal/racd"
)

// Page sizes: DRF's default, and racd's cap (clients follow "next").
const (
	defaultPageSize = 100
	maxPageSize     = 1000
)

// listQuery reads page, page_size, search and ordering the way authentik's
// PageNumberPagination, SearchFilter and OrderingFilter do. allowed are the field
// names ordering accepts; unknown terms are dropped.
func listQuery(q url.Values, allowed []string) (racd.ListQuery, error) {
	lq := racd.ListQuery{Page: 1, PageSize: defaultPageSize}
	if v, ok := q["page"]; ok && len(v) > 0 {
		p := strings.TrimSpace(v[len(v)-1])
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
	if v := q.Get("page_size"); v != "" {
		if n, ok := pyInt(v); ok && n > 0 {
			lq.PageSize = int(min(n, maxPageSize))
		}
	}
	lq.Search = searchTerms(q.Get("search"))
	lq.Ordering = orderingTerms(q.Get("ordering"), allowed)
	return lq, nil
}

// pyInt parses an integer as Python's int() does for ASCII text: surrounding
// whitespace, an optional sign, digits with single underscores between them.
func pyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || body[0] == '_' || body[len(body)-1] == '_' || strings.Contains(body, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// searchTerms splits a search the way DRF does: on whitespace, keeping quoted
// phrases together, then unquoted tokens on commas; empty terms are dropped.
func searchTerms(s string) []string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	var out []string
	for _, tok := range smartSplit(s) {
		tok = strings.Trim(tok, ",")
		if len(tok) >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[len(tok)-1] == tok[0] {
			if inner := unquote(tok); inner != "" {
				out = append(out, inner)
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

// smartSplit splits on whitespace outside quotes (Django's smart_split).
func smartSplit(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	escaped := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote != 0:
			cur.WriteRune(r)
			if r == '\\' {
				escaped = true
			} else if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
			cur.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// unquote strips matching quotes and unescapes \" \' and \\ inside.
func unquote(s string) string {
	q := s[0]
	inner := s[1 : len(s)-1]
	r := strings.NewReplacer(`\`+string(q), string(q), `\\`, `\`)
	return r.Replace(inner)
}

// orderingTerms parses "a,-b" keeping only allowed fields.
func orderingTerms(s string, allowed []string) []racd.OrderTerm {
	if s == "" {
		return nil
	}
	var out []racd.OrderTerm
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		for _, a := range allowed {
			if a == name {
				out = append(out, racd.OrderTerm{Field: name, Desc: desc})
				break
			}
		}
	}
	return out
}

// boolFilter reads a boolean filter: true/false/1/0 in any case; anything else (or
// absence) means no filter.
func boolFilter(q url.Values, name string) *bool {
	v, ok := q[name]
	if !ok || len(v) == 0 {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(v[len(v)-1])) {
	case "true", "1":
		t := true
		return &t
	case "false", "0":
		f := false
		return &f
	}
	return nil
}

// strFilter reads an exact-match filter; an empty value means no filter, as in
// django-filter, and the last of repeated values wins, as in Django's QueryDict.
func strFilter(q url.Values, name string) *string {
	vs := q[name]
	if len(vs) == 0 || vs[len(vs)-1] == "" {
		return nil
	}
	v := cleanQueryValue(vs[len(vs)-1])
	return &v
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

type pageJSON[T any] struct {
	Pagination pagination `json:"pagination"`
	Results    []T        `json:"results"`
}

// newPage builds the envelope for n results of page q out of count.
func newPage[T any](q racd.ListQuery, count int, results []T) pageJSON[T] {
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
	if results == nil {
		results = []T{}
	}
	return pageJSON[T]{Pagination: p, Results: results}
}
