package scheduler

import "strings"

// TagNone is the request tag that names untagged servers.
const TagNone = "none"

// TagQuery is a parsed tag argument of a create request (Scalelite's
// meta_server-tag).
type TagQuery struct {
	// Tags lists the acceptable server tags, in request order, without
	// empty entries. An empty list asks for an untagged server.
	Tags []string
	// Required forbids the fallback to untagged servers when no available
	// server carries one of Tags.
	Required bool
}

// ParseTags parses a Scalelite tag argument: a ";"-separated list of tags,
// optionally followed by "!" to make the list mandatory. Empty entries are
// dropped; "" and "!" both mean "no tag" (untagged servers only). Entries are
// otherwise kept verbatim, as Scalelite compares them byte for byte.
func ParseTags(s string) TagQuery {
	var q TagQuery
	if strings.HasSuffix(s, "!") {
		s = s[:len(s)-1]
		q.Required = true
	}
	for part := range strings.SplitSeq(s, ";") {
		if part != "" {
			q.Tags = append(q.Tags, part)
		}
	}
	if len(q.Tags) == 0 {
		q.Required = false
	}
	return q
}

// String formats q back into Scalelite's syntax, so that ParseTags gives
// q back. (When q is not required and its last tag ends in "!", a ";" is
// appended to keep that "!" from reading as "required".)
func (q TagQuery) String() string {
	s := strings.Join(q.Tags, ";")
	switch {
	case s == "":
	case q.Required:
		s += "!"
	case strings.HasSuffix(s, "!"):
		s += ";"
	}
	return s
}

// Matches reports whether a server tagged serverTag satisfies one of q's
// tags ("none" matches an untagged server). It does not apply the untagged
// fallback; see Groups.
func (q TagQuery) Matches(serverTag string) bool {
	for _, t := range q.Tags {
		if t == serverTag || (t == TagNone && serverTag == "") {
			return true
		}
	}
	return false
}

// Groups returns the server tags Pick may choose from, in order of
// preference: first the tags of q (with "none" translated to the untagged
// group ""), then, as the fallback, the untagged group "" alone. A Store
// tries the first slice and, if it holds no available server and q is not
// Required, the second (nil when there is no fallback). For a query without
// tags primary is {""} and fallback is nil.
func (q TagQuery) Groups() (primary, fallback []string) {
	if len(q.Tags) == 0 {
		return []string{""}, nil
	}
	primary = make([]string, 0, len(q.Tags))
	for _, t := range q.Tags {
		if t == TagNone {
			t = ""
		}
		primary = append(primary, t)
	}
	if !q.Required {
		fallback = []string{""}
	}
	return primary, fallback
}
