package main

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Enumerated values are checked where they are read, before anything
// else happens: a flag's by its pflag.Value (a bad one is a usage error,
// exit 2, before the command runs), a config value's when the config is
// loaded (a *ConfigError naming its file and line), so that a typo in a
// cron job never reaches WHMCS.

// Valid values of the global flags.
var (
	logFormats = []string{"text", "json"}
	logLevels  = []string{"debug", "info", "warn", "error"}
)

// enumFlag is a string flag that takes only one of values, exactly as
// written (json, not JSON: a config file and a cron line then read the
// same everywhere).
type enumFlag struct {
	v      *string
	values []string
}

func newEnumFlag(p *string, def string, values ...string) *enumFlag {
	*p = def
	return &enumFlag{v: p, values: values}
}

func (e *enumFlag) String() string { return *e.v }

func (e *enumFlag) Set(s string) error {
	if err := oneOf(s, e.values); err != nil {
		return err
	}
	*e.v = s
	return nil
}

func (e *enumFlag) Type() string { return strings.Join(e.values, "|") }

// oneOf is nil when s is one of values, else an error listing them, with
// a "did you mean" when one is close.
func oneOf(s string, values []string) error {
	for _, v := range values {
		if s == v {
			return nil
		}
	}
	return fmt.Errorf("%q is not %s%s", s, orList(values), didYouMean(s, values))
}

// orList is "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// didYouMean is "; did you mean X?" when one of values is close to s
// (the same but for case, - for _, or a typo or two), else "".
func didYouMean(s string, values []string) string {
	if m := closest(s, values); m != "" {
		return fmt.Sprintf("; did you mean %s?", m)
	}
	return ""
}

// closest is the one of values nearest to s, when near enough to be the
// one meant; "" otherwise.
func closest(s string, values []string) string {
	norm := func(x string) string { return strings.ReplaceAll(strings.ToLower(x), "-", "_") }
	best, bestD := "", -1
	for _, v := range values {
		if norm(v) == norm(s) {
			return v
		}
		d := editDistance(norm(s), norm(v))
		if limit := max(1, len(v)/3); d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = v, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// keyLines maps each key of the config, by its dotted path
// ("mapping.clients", "mapping.priorities.urgent"), to its line, for
// messages about values checked after decoding.
type keyLines map[string]int

func collectLines(n *yaml.Node, prefix string, into keyLines) {
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := prefix + n.Content[i].Value
		into[k] = n.Content[i].Line
		collectLines(n.Content[i+1], k+".", into)
	}
}

// at is "path:line" for the key, or path when the config has no such key.
func (kl keyLines) at(path, key string) string {
	if l, ok := kl[key]; ok {
		return fmt.Sprintf("%s:%d", path, l)
	}
	return path
}
