package metrics

// ConfigError reports an invalid argument to a constructor or option of
// this package. It never carries a secret: targets are reported by name.
type ConfigError struct {
	Option string // the constructor or option, such as "WithRoomBuckets"
	Msg    string // what is wrong
}

// Error implements error.
func (e *ConfigError) Error() string {
	return "metrics: " + e.Option + ": " + e.Msg
}
