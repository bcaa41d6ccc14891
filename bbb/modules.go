package bbb

import (
	"encoding/base64"
	"encoding/xml"
	"strconv"
	"strings"
)

// modulesBody renders the <modules> XML body of create and insertDocument.
func modulesBody(call string, docs []Document, clientSettings string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><modules>`)
	if len(docs) > 0 {
		b.WriteString(`<module name="presentation">`)
		for i, d := range docs {
			if (d.URL == "") == (d.Content == nil) {
				return nil, paramErr(call, "document["+strconv.Itoa(i)+"]", "set exactly one of URL and Content")
			}
			b.WriteString("<document")
			if d.URL != "" {
				writeAttr(&b, "url", d.URL)
				if d.Filename != "" {
					writeAttr(&b, "filename", d.Filename)
				}
			} else {
				if d.Filename == "" {
					return nil, paramErr(call, "document["+strconv.Itoa(i)+"]", "an embedded document needs a Filename")
				}
				writeAttr(&b, "name", d.Filename)
			}
			writeBoolAttr(&b, "downloadable", d.Downloadable)
			writeBoolAttr(&b, "removable", d.Removable)
			writeBoolAttr(&b, "current", d.Current)
			if d.Content != nil {
				b.WriteByte('>')
				b.WriteString(base64.StdEncoding.EncodeToString(d.Content))
				b.WriteString("</document>")
			} else {
				b.WriteString("/>")
			}
		}
		b.WriteString("</module>")
	}
	if clientSettings != "" {
		if strings.Contains(clientSettings, "]]>") {
			return nil, paramErr(call, "ClientSettingsOverride", "must not contain ]]>")
		}
		b.WriteString(`<module name="clientSettingsOverride"><![CDATA[`)
		b.WriteString(clientSettings)
		b.WriteString("]]></module>")
	}
	b.WriteString("</modules>")
	return []byte(b.String()), nil
}

func writeAttr(b *strings.Builder, name, value string) {
	b.WriteByte(' ')
	b.WriteString(name)
	b.WriteString(`="`)
	_ = xml.EscapeText(b, []byte(value)) // strings.Builder never fails
	b.WriteByte('"')
}

func writeBoolAttr(b *strings.Builder, name string, v *bool) {
	if v != nil {
		writeAttr(b, name, strconv.FormatBool(*v))
	}
}
