package xmlx_test

import (
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/bbbkit/bbbkit/internal/xmlx"
)

func ExampleMap() {
	d := xml.NewDecoder(strings.NewReader(`<metadata><bbb-origin>greenlight</bbb-origin><gl-listed>true</gl-listed></metadata>`))
	d.Token() // <metadata>
	m, err := xmlx.Map(d)
	fmt.Println(m["bbb-origin"], m["gl-listed"], err)
	n, _ := xmlx.ParseInt("1,000")
	fmt.Println(n)
	// Output:
	// greenlight true <nil>
	// 1000
}
