package bbb

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonEnvelope is the common part of the JSON answers (text tracks and the
// session-token calls): {"response": {"returncode": ..., ...}}.
type jsonEnvelope struct {
	ReturnCode string `json:"returncode"`
	MessageKey string `json:"messageKey"`
	Message    string `json:"message"`
}

// decodeJSON decodes {"response": out} and turns FAILED into *Error.
// failKeys lists message keys that the server sends with SUCCESS but that
// mean failure.
func decodeJSON(resp *rawResponse, out any, failKeys ...string) error {
	var wrap struct {
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(resp.body, &wrap); err != nil {
		return resp.decodeErr(fmt.Errorf("invalid JSON: %s", truncate(err.Error())))
	}
	if len(wrap.Response) == 0 || string(wrap.Response) == "null" {
		return resp.decodeErr(fmt.Errorf("no \"response\" object"))
	}
	var env jsonEnvelope
	if err := json.Unmarshal(wrap.Response, &env); err != nil {
		return resp.decodeErr(fmt.Errorf("invalid JSON: %s", truncate(err.Error())))
	}
	for _, k := range failKeys {
		if env.MessageKey == k {
			env.ReturnCode = "FAILED"
		}
	}
	if err := checkEnvelope(resp, &Envelope{ReturnCode: env.ReturnCode, Answer: Answer{MessageKey: env.MessageKey, Message: env.Message}}); err != nil {
		return err
	}
	if err := json.Unmarshal(wrap.Response, out); err != nil {
		return resp.decodeErr(fmt.Errorf("invalid JSON: %s", truncate(err.Error())))
	}
	return nil
}

// decodeAnswer decodes an answer of Do: JSON when the body is a JSON object
// (BigBlueButton 3.0's JSON calls), XML otherwise.
func (c *Client) decodeAnswer(resp *rawResponse, out Response) error {
	if body := bytes.TrimLeft(resp.body, " \t\r\n"); len(body) > 0 && body[0] == '{' {
		return c.done(resp, decodeJSON(resp, out))
	}
	return c.decodeXML(resp, out)
}
