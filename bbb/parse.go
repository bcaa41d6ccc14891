package bbb

// The Parse functions decode saved answers (files, captures, answers fetched
// by other means) with the same decoders the Client uses. A FAILED answer is
// an *Error, an unreadable one a *DecodeError.

// ParseMeetings decodes a getMeetings answer.
func ParseMeetings(data []byte) ([]Meeting, error) {
	var out getMeetingsResponse
	if err := (&Client{}).decodeXML(&rawResponse{call: "getMeetings", body: data}, &out); err != nil {
		return nil, err
	}
	return out.Meetings, nil
}

// ParseMeetingInfo decodes a getMeetingInfo answer.
func ParseMeetingInfo(data []byte) (*Meeting, error) {
	var out meetingInfoResponse
	if err := (&Client{}).decodeXML(&rawResponse{call: "getMeetingInfo", body: data}, &out); err != nil {
		return nil, err
	}
	return &out.Meeting, nil
}

// ParseRecordings decodes a getRecordings answer.
func ParseRecordings(data []byte) (*RecordingsPage, error) {
	var out getRecordingsResponse
	if err := (&Client{}).decodeXML(&rawResponse{call: "getRecordings", body: data}, &out); err != nil {
		return nil, err
	}
	out.page.Answer = out.Answer
	return &out.page, nil
}
