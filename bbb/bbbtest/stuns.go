package bbbtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The stuns call (session token, JSON) tells the HTML5 client which STUN
// and TURN servers to use:
//
//	{"stunServers": [{"url": "stun:…"}],
//	 "turnServers": [{"username": "…", "password": "…", "url": "turn:…", "ttl": 86400}],
//	 "remoteIceCandidates": []}
//
// TURN credentials follow coturn's REST API (use-auth-secret), as bbb-web's
// TurnServer does: username "<expiry>:<internal user ID>", expiry in Unix
// seconds (now + ttl), password base64(HMAC-SHA1(static-auth-secret,
// username)). A token that is not a current session answers FAILED.

// WithSTUNServers lists the STUN servers (such as "stun:stun.example.com:3478")
// the stuns call returns.
func WithSTUNServers(urls ...string) Option {
	return func(c *config) error {
		for _, u := range urls {
			if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
				return errors.New("bbbtest: STUN server URIs must start with stun or stuns")
			}
		}
		c.stunServers = append(c.stunServers, urls...)
		return nil
	}
}

// WithTURNServers lists TURN servers (such as
// "turn:turn.example.com:3478?transport=udp") the stuns call returns with
// credentials derived from secret, coturn's static-auth-secret, valid for
// ttl (bbb-web's default is 24h).
func WithTURNServers(secret string, ttl time.Duration, urls ...string) Option {
	return func(c *config) error {
		if secret == "" {
			return errors.New("bbbtest: empty TURN secret")
		}
		if ttl < time.Second {
			return errors.New("bbbtest: TURN credential lifetime must be at least a second")
		}
		for _, u := range urls {
			if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				return errors.New("bbbtest: TURN server URIs must start with turn or turns")
			}
		}
		c.turnSecret, c.turnTTL = secret, ttl
		c.turnServers = append(c.turnServers, urls...)
		return nil
	}
}

// turnCredential is coturn's REST API credential for user, valid until
// expiry.
func turnCredential(secret, user string, expiry time.Time) (username, password string) {
	username = strconv.FormatInt(expiry.Unix(), 10) + ":" + user
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(username))
	return username, base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type stunEntry struct {
	URL string `json:"url"`
}

type turnEntry struct {
	Username string `json:"username"`
	Password string `json:"password"`
	URL      string `json:"url"`
	TTL      int64  `json:"ttl"`
}

func (s *Server) apiStuns(w http.ResponseWriter, _ *http.Request, q url.Values) {
	tok := q.Get("sessionToken")
	s.mu.RLock()
	sess := s.sessions[tok]
	var userID string
	if sess != nil {
		userID = sess.user.intID
	}
	s.mu.RUnlock()
	if sess == nil || tok == "" {
		s.writeJSON(w, mustJSON(map[string]any{"response": map[string]any{
			"returncode": "FAILED", "message": "Could not find conference.",
		}}))
		return
	}
	stuns := make([]stunEntry, 0, len(s.cfg.stunServers))
	for _, u := range s.cfg.stunServers {
		stuns = append(stuns, stunEntry{URL: u})
	}
	turns := make([]turnEntry, 0, len(s.cfg.turnServers))
	name, pw := turnCredential(s.cfg.turnSecret, userID, s.now().Add(s.cfg.turnTTL))
	for _, u := range s.cfg.turnServers {
		turns = append(turns, turnEntry{Username: name, Password: pw, URL: u, TTL: int64(s.cfg.turnTTL / time.Second)})
	}
	s.writeJSON(w, mustJSON(map[string]any{"stunServers": stuns, "turnServers": turns, "remoteIceCandidates": []any{}}))
}
