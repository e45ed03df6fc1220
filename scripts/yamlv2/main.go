// yaml-v2-marshal: each line of stdin is a JSON document; it is written out with gopkg.in/yaml.v2's
// Marshal (object keys kept in order; with -maps, objects become Go maps, whose keys yaml.v2 sorts),
// each output followed by a NUL byte. vmscrape's tests compare its YAML emitter with this: the
// VictoriaMetrics operator writes vmagent's config with yaml.v2.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"

	"gopkg.in/yaml.v2"
)

func value(dec *json.Decoder) (interface{}, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			m := yaml.MapSlice{}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value(dec)
				if err != nil {
					return nil, err
				}
				m = append(m, yaml.MapItem{Key: key, Value: v})
			}
			_, err = dec.Token()
			return m, err
		}
		list := []interface{}{}
		for dec.More() {
			v, err := value(dec)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err = dec.Token()
		return list, err
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		return strconv.ParseFloat(string(t), 64)
	default:
		return t, nil
	}
}

func main() {
	maps := flag.Bool("maps", false, "decode JSON objects into Go maps (yaml.v2 sorts their keys)")
	flag.Parse()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<28)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		dec := json.NewDecoder(bytes.NewReader(in.Bytes()))
		dec.UseNumber()
		var doc interface{}
		var err error
		if *maps {
			err = dec.Decode(&doc)
		} else {
			doc, err = value(dec)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "yaml-v2-marshal:", err)
			os.Exit(2)
		}
		text, err := yaml.Marshal(doc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "yaml-v2-marshal:", err)
			os.Exit(2)
		}
		out.Write(text)
		out.WriteByte(0)
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "yaml-v2-marshal:", err)
		os.Exit(2)
	}
}
