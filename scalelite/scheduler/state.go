package scheduler

import "strings"

// State is the administrative state of a server.
type State string

// The administrative states of a server, as Scalelite names them.
const (
	// StateEnabled servers take new meetings when they are online.
	StateEnabled State = "enabled"
	// StateCordoned servers take no new meetings but keep the ones they
	// have; a poll that finds a cordoned server empty disables it.
	StateCordoned State = "cordoned"
	// StateDisabled servers take no meetings and hold no meeting mappings.
	// New servers start disabled.
	StateDisabled State = "disabled"
)

// Valid reports whether s is one of the three known states.
func (s State) Valid() bool {
	switch s {
	case StateEnabled, StateCordoned, StateDisabled:
		return true
	}
	return false
}

// String returns the state's name.
func (s State) String() string { return string(s) }

// ParseState parses a state name. It accepts the state names ("enabled",
// "cordoned", "disabled") and the verbs Scalelite's updateServer call uses
// ("enable", "cordon", "disable"), in any letter case. Anything else is a
// *ValidationError.
func ParseState(s string) (State, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "enabled", "enable":
		return StateEnabled, nil
	case "cordoned", "cordon":
		return StateCordoned, nil
	case "disabled", "disable":
		return StateDisabled, nil
	}
	return "", &ValidationError{Field: "state", Reason: "must be enable, cordon or disable"}
}
