package httpapi

import (
	"net/http"
	"strings"
)

// access says how a route authenticates and which permission it needs before its
// handler runs. Object-level checks happen in the handler, once the object is loaded.
type access int

const (
	// public routes answer without credentials.
	public access = iota
	// collection routes (list, create and other routes without an object id) need a
	// token; without one the answer is "Authentication credentials were not provided."
	collection
	// detail routes (/{id}/...) need a token; without one the answer is "You do not
	// have permission to perform this action."
	detail
)

// route is one line of the route table.
type route struct {
	method  string
	pattern string // e.g. /api/v3/providers/rac/{id}/
	access  access
	// perm is the permission the route needs; serve enforces it before the handler.
	perm    perm
	handler func(s *Server, c *call) error
}

// node is a trie of path segments.
type node struct {
	static    map[string]*node
	param     *node
	paramName string
	routes    map[string]*route // by method
	pattern   string
}

type router struct{ root node }

func (rt *router) add(r *route) {
	n := &rt.root
	for _, seg := range splitPath(r.pattern) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if n.param == nil {
				n.param = &node{paramName: name}
			} else if n.param.paramName != name {
				panic("httpapi: conflicting parameter names at " + r.pattern)
			}
			n = n.param
			continue
		}
		if n.static == nil {
			n.static = map[string]*node{}
		}
		child := n.static[seg]
		if child == nil {
			child = &node{}
			n.static[seg] = child
		}
		n = child
	}
	if n.routes == nil {
		n.routes = map[string]*route{}
	}
	if _, dup := n.routes[r.method]; dup {
		panic("httpapi: duplicate route " + r.method + " " + r.pattern)
	}
	n.routes[r.method] = r
	n.pattern = r.pattern
}

// match finds the node for path, preferring static segments and backtracking to
// parameters; params receives the parameter values in order.
func (rt *router) match(path string, params *[maxParams]string, np *int) *node {
	if !strings.HasPrefix(path, "/") {
		return nil
	}
	return matchFrom(&rt.root, path[1:], params, np)
}

const maxParams = 4

func matchFrom(n *node, rest string, params *[maxParams]string, np *int) *node {
	seg, tail, more := strings.Cut(rest, "/")
	if !more {
		// Last segment: after a trailing slash it is "", which is a segment too.
		tail = ""
	}
	if child := n.static[seg]; child != nil {
		if !more {
			if child.routes != nil {
				return child
			}
		} else if found := matchFrom(child, tail, params, np); found != nil {
			return found
		}
	}
	if n.param != nil && seg != "" && *np < maxParams {
		params[*np] = seg
		*np++
		if !more {
			if n.param.routes != nil {
				return n.param
			}
		} else if found := matchFrom(n.param, tail, params, np); found != nil {
			return found
		}
		*np--
	}
	return nil
}

// splitPath splits "/a/b/" into ["a", "b", ""].
func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

// allowed lists a node's methods for the Allow header.
func (n *node) allowed() string {
	var ms []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if _, ok := n.routes[m]; ok {
			ms = append(ms, m)
		}
	}
	if _, ok := n.routes[http.MethodGet]; ok {
		ms = append(ms, http.MethodHead)
	}
	ms = append(ms, http.MethodOptions)
	return strings.Join(ms, ", ")
}

// paramNames returns the parameter names along a pattern, in order.
func paramNames(pattern string) []string {
	var out []string
	for _, seg := range splitPath(pattern) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}
