// go-oracle: answers "does vmagent's own Go code accept this value?" for a batch of inputs.
// Each line of stdin is a JSON object {"kind": K, "value": S}; each answer is one JSON line
// {"ok": bool, "error": "..."} in the same order. The checks call vmagent v1.150.0's own parsers
// (imported from the VictoriaMetrics module), so vmscrape's tests can compare its validation with them:
//
//	regexp   Go's regexp.Compile(S)                                   (regexp, as vmagent compiles regexes)
//	relabel  promrelabel.ParseRelabelConfigsData(S): S is YAML of a list of relabel configs
//	if       promrelabel.IfExpression.Parse(S)                        (the `if` series selector)
//	url      proxy.URL.UnmarshalYAML(S): url.Parse, then the proxy scheme check (lib/proxy/proxy.go:106)
//	bytes    flagutil.ParseBytes(S)                                   (max_scrape_size, lib/promscrape/config.go:938)
//	unicode-names  (value ignored) the Unicode class names Go's regexp knows, as regexp/syntax
//	         canonicalizes them (parse.go canonicalName): one per line in "value", sorted
//	duration promutil.Duration.UnmarshalYAML(S), value in nanoseconds  (scrape_interval, scrape_timeout;
//	         vmagent uses its default for a value <= 0: lib/promscrape/config.go:917)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/VictoriaMetrics/VictoriaMetrics/lib/flagutil"
	"github.com/VictoriaMetrics/VictoriaMetrics/lib/promrelabel"
	"github.com/VictoriaMetrics/VictoriaMetrics/lib/promutil"
	"github.com/VictoriaMetrics/VictoriaMetrics/lib/proxy"
)

type request struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type answer struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Value string `json:"value,omitempty"`
}

func check(r request) (string, error) {
	switch r.Kind {
	case "regexp":
		_, err := regexp.Compile(r.Value)
		return "", err
	case "relabel":
		_, err := promrelabel.ParseRelabelConfigsData([]byte(r.Value))
		return "", err
	case "if":
		var ie promrelabel.IfExpression
		return "", ie.Parse(r.Value)
	case "url":
		var u proxy.URL
		err := u.UnmarshalYAML(func(v any) error {
			*(v.(*string)) = r.Value
			return nil
		})
		if err != nil {
			return "", err
		}
		return u.String(), nil
	case "bytes":
		n, err := flagutil.ParseBytes(r.Value)
		return fmt.Sprint(n), err
	case "duration":
		var d promutil.Duration
		err := d.UnmarshalYAML(func(v any) error {
			*(v.(*string)) = r.Value
			return nil
		})
		return fmt.Sprint(int64(d.Duration())), err
	case "unicode-names":
		return strings.Join(unicodeNames(), "\n"), nil
	}
	return "", fmt.Errorf("unknown kind %q", r.Kind)
}

// unicodeNames: every name regexp/syntax's unicodeTable finds (parse.go:1715), canonicalized. A table key
// that is not canonical itself (Old_Italic) cannot be reached: canonicalName drops the underscore.
func unicodeNames() []string {
	names := []string{"Any", "Assigned", "Ascii", "Lc"}
	for _, table := range []map[string]*unicode.RangeTable{unicode.Categories, unicode.Scripts} {
		for name := range table {
			if canonicalName(name) == name {
				names = append(names, name)
			}
		}
	}
	for name := range unicode.CategoryAliases {
		names = append(names, canonicalName(name))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// canonicalName: regexp/syntax's (parse.go:1675): first letter upper, the rest lower, no "_", "-", " ".
func canonicalName(name string) string {
	var b []byte
	first := true
	for i := range len(name) {
		c := name[i]
		switch {
		case c == '_' || c == '-' || c == ' ':
			continue
		case first:
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			first = false
		default:
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var r request
		var a answer
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			a.Error = "bad request: " + err.Error()
		} else if v, err := check(r); err != nil {
			a.Error = err.Error()
		} else {
			a.OK, a.Value = true, v
		}
		if err := enc.Encode(a); err != nil {
			os.Exit(1)
		}
		out.Flush()
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
