package bbb

// Clone returns a copy of the client with opts applied on top of its
// configuration, for example c.Clone(WithChecksum(checksum.SHA1)) for a
// component of the same server that accepts other algorithms. The copy
// shares the HTTP client, the rate limiter, the logger and the observer
// with c; c is unchanged. A bad option is an error, as in New.
func (c *Client) Clone(opts ...Option) (*Client, error) {
	cp := *c
	for _, o := range opts {
		if o == nil {
			return nil, &ParamError{Call: "Clone", Param: "option", Msg: "nil option"}
		}
		if err := o(&cp); err != nil {
			return nil, err
		}
	}
	return &cp, nil
}
