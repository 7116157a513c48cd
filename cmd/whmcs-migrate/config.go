package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/whmcs-migrate/whmcs-migrate/importer"
	"github.com/whmcs-migrate/whmcs-migrate/importer/report"
	"github.com/whmcs-migrate/whmcs-migrate/mapping"
	"github.com/whmcs-migrate/whmcs-migrate/sources"
	"github.com/whmcs-migrate/whmcs-migrate/whmcs"
)

// Config is the YAML config file (see the README's config reference).
type Config struct {
	Source     SourceConfig   `yaml:"source"`
	Target     TargetConfig   `yaml:"target"`
	Mapping    mapping.Config `yaml:"mapping"`
	Checkpoint string         `yaml:"checkpoint"`
	Sync       SyncConfig     `yaml:"sync"`
	Validate   ValidateConfig `yaml:"validate"`

	// Dir is the config file's directory: relative paths are resolved
	// against it.
	Dir string `yaml:"-"`
	// File is the config file's path, for messages.
	File string `yaml:"-"`
	// targetUnset is the error of the ${VAR}s under target: that are not
	// set: only a command that contacts WHMCS needs them (CheckTarget
	// reports it), so validate --offline and status run without them.
	targetUnset error `yaml:"-"`
}

// SourceConfig is the source block: type and timezone, and the options of
// that type of source (decoded into Options, which its factory made).
type SourceConfig struct {
	Type     string `yaml:"type"`
	Timezone string `yaml:"timezone"`

	Factory  sources.Factory `yaml:"-"`
	Options  any             `yaml:"-"`
	Location *time.Location  `yaml:"-"`
}

// TargetConfig is the WHMCS to import into.
type TargetConfig struct {
	URL        string `yaml:"url"`
	Identifier string `yaml:"identifier"`
	Secret     string `yaml:"secret"`
	// Legacy admin login (the password is sent as md5).
	Username  string `yaml:"username"`
	Password  string `yaml:"password"`
	AccessKey string `yaml:"accesskey"`
	// Timezone is the WHMCS server's zone (PHP's date.timezone): required,
	// never assumed (see noTargetZone).
	Timezone string `yaml:"timezone"`
	// MaxRequestSize is the largest request body WHMCS accepts (PHP's
	// post_max_size): "8M", "32MB"; default 8M; "0" = no check.
	MaxRequestSize string `yaml:"max_request_size"`
	// TicketMask is WHMCS's Support Ticket Mask Format, for validate's
	// estimate of whether its ticket numbers suffice; default WHMCS's
	// default, whmcs.DefaultTicketMask.
	TicketMask string `yaml:"ticket_mask"`
	// Rate is API calls per second (0 = unlimited), or auto (the default:
	// policy.Adapt, bounded by Concurrency and MaxRate); Burst the fixed
	// rate limiter's burst (0: the limiter's default, 1). MaxRate (0 =
	// none) is a hard ceiling in calls per second under auto.
	Rate        *Rate   `yaml:"rate"`
	MaxRate     float64 `yaml:"max_rate"`
	Burst       int     `yaml:"burst"`
	Concurrency int     `yaml:"concurrency"`
	// concurrencyDefault: Concurrency is the default for Rate (not in
	// the config), to derive again when a flag changes the rate.
	concurrencyDefault bool
	Timeout            Duration `yaml:"timeout"`
	CAFile             string   `yaml:"ca_file"`
	// AdminURL is the WHMCS admin area the HTML reports link tickets to;
	// default: the API URL's site + /admin/ (see AdminArea).
	AdminURL string `yaml:"admin_url"`
	// Insecure turns TLS verification off: --insecure only, never the
	// config file.
	Insecure bool `yaml:"-"`

	Location *time.Location `yaml:"-"`
	// MaxRequestBytes is MaxRequestSize in bytes; negative = no check.
	MaxRequestBytes int64 `yaml:"-"`
}

// noTargetZone is the error of a config without target.timezone: a wrong
// zone shifts every imported date by hours and nothing else would notice,
// so it is never assumed.
const noTargetZone = "target.timezone is required: the WHMCS server's time zone, in which WHMCS reads the dates it is sent " +
	"and shows them (a wrong zone shifts every imported date by hours, and no check can tell). It is PHP's date.timezone " +
	"of the WHMCS install: in WHMCS's admin area see Utilities > System > PHP Info (the date.timezone row), or ask the host " +
	"for php.ini's date.timezone; e.g. timezone: America/Chicago, or timezone: UTC"

// SyncConfig tunes incremental sync.
type SyncConfig struct {
	// Overlap re-reads tickets whose last change falls within this window
	// before the previous run's start (clock skew, source transactions in
	// flight). Default 10m.
	Overlap *Duration `yaml:"overlap"`
	// ApplyEdits applies the source's edits of imported replies
	// (UpdateTicketReply) and opening messages (UpdateTicket message);
	// false (the default) reports them as drift_edited. Notes stay drift.
	ApplyEdits bool `yaml:"apply_edits"`
	// OnConflict is the side a cut-over conflict keeps: "whmcs" (the
	// default: what people changed in WHMCS is never overwritten) or
	// "source". Conflicts are reported either way.
	OnConflict string `yaml:"on_conflict"`
}

// ValidateConfig tunes the validation report's attachment warnings.
type ValidateConfig struct {
	AllowedExtensions []string `yaml:"allowed_extensions"`
	MaxAttachmentSize string   `yaml:"max_attachment_size"` // "2MB"
}

// Duration is a time.Duration written "90s", "10m".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 90s, 10m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Rate is target.rate: a fixed rate in calls per second (0 = unlimited),
// or auto.
type Rate struct {
	Auto      bool
	PerSecond float64
}

// parseRate reads "auto" or a number of calls per second, 0 or more.
func parseRate(s string) (Rate, error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return Rate{Auto: true}, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return Rate{}, fmt.Errorf("%q: want auto, or calls per second (0 = unlimited)", s)
	}
	return Rate{PerSecond: v}, nil
}

// UnmarshalYAML reads auto or a number.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseRate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: target.rate %w", n.Line, err)
	}
	*r = v
	return nil
}

func (r Rate) String() string {
	if r.Auto {
		return "auto"
	}
	return strconv.FormatFloat(r.PerSecond, 'g', -1, 64)
}

// ConfigError is a problem with the config file or flags (exit status 2).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(format string, a ...any) error {
	return &ConfigError{fmt.Errorf(format, a...)}
}

// LoadConfig reads and checks the config file at path. Any string may use
// ${ENV_VAR}; an unset variable, an unknown key or a bad value is an error
// naming the key and line.
func LoadConfig(path string, reg *sources.Registry) (*Config, error) {
	return loadConfig(path, reg, os.LookupEnv)
}

// loadConfig is LoadConfig with the environment given as a lookup function.
func loadConfig(path string, reg *sources.Registry, lookup func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, configErrorf("read config: %w", err)
	}
	cfg, err := parseConfig(data, path, reg, lookup)
	if err != nil {
		return nil, &ConfigError{err}
	}
	return cfg, nil
}

func parseConfig(data []byte, path string, reg *sources.Registry, lookup func(string) (string, bool)) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the config must be a YAML mapping", path)
	}
	root := doc.Content[0]
	lines := keyLines{}
	collectLines(root, "", lines)
	targetUnset := expandTarget(root, lookup, path)
	if err := expandEnv(root, lookup, path); err != nil {
		return nil, err
	}

	cfg := &Config{File: path, targetUnset: targetUnset}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	cfg.Dir = filepath.Dir(abs)

	// The source block holds the chosen source's own options: split it off.
	srcNode := mapValue(root, "source")
	rest := withoutKey(root, "source")
	if err := checkKeys(rest, reflect.TypeOf(*cfg), "", path); err != nil {
		return nil, err
	}
	if err := rest.Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if srcNode == nil {
		return nil, fmt.Errorf("%s: missing source block", path)
	}
	if err := cfg.decodeSource(srcNode, reg, path); err != nil {
		return nil, err
	}
	if err := cfg.check(path, lines); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (c *Config) decodeSource(n *yaml.Node, reg *sources.Registry, path string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: source must be a mapping", path, n.Line)
	}
	common := &yaml.Node{Kind: yaml.MappingNode}
	own := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch n.Content[i].Value {
		case "type", "timezone":
			common.Content = append(common.Content, n.Content[i], n.Content[i+1])
		default:
			own.Content = append(own.Content, n.Content[i], n.Content[i+1])
		}
	}
	if err := common.Decode(&c.Source); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if c.Source.Type == "" {
		return fmt.Errorf("%s:%d: source.type is required (%s)", path, n.Line, strings.Join(reg.Names(), ", "))
	}
	f, err := reg.Lookup(c.Source.Type)
	if err != nil {
		line := n.Line
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "type" {
				line = n.Content[i].Line
			}
		}
		return fmt.Errorf("%s:%d: source.type: %w%s", path, line, err, didYouMean(c.Source.Type, reg.Names()))
	}
	c.Source.Factory = f
	c.Source.Options = f.NewOptions()
	if err := checkKeys(own, reflect.TypeOf(c.Source.Options), "source.", path); err != nil {
		return err
	}
	if err := own.Decode(c.Source.Options); err != nil {
		return fmt.Errorf("%s: source: %w", path, err)
	}
	return nil
}

func (c *Config) check(path string, lines keyLines) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(path+": "+format, a...)) }
	// badAt names the key's line.
	badAt := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf(lines.at(path, key)+": "+key+": "+format, a...))
	}
	var err error
	if c.Source.Location, err = loadZone(c.Source.Timezone); err != nil {
		badAt("source.timezone", "%v", err)
	}
	if c.Target.Timezone == "" {
		bad(noTargetZone)
	} else if c.Target.Location, err = loadZone(c.Target.Timezone); err != nil {
		badAt("target.timezone", "%v", err)
	}
	c.Target.MaxRequestBytes = whmcs.DefaultMaxRequestSize
	if s := c.Target.MaxRequestSize; s != "" {
		if n, err := report.ParseSize(s); err != nil {
			badAt("target.max_request_size", "%v", err)
		} else if n == 0 {
			c.Target.MaxRequestBytes = -1 // "0": no check
		} else if n < 64<<10 {
			badAt("target.max_request_size", "%s is below 64K; write PHP's post_max_size, e.g. 8M (0 turns the check off)", s)
		} else {
			c.Target.MaxRequestBytes = n
		}
	}
	if c.Target.TicketMask == "" {
		c.Target.TicketMask = string(whmcs.DefaultTicketMask)
	} else if err := whmcs.TicketMask(c.Target.TicketMask).Check(); err != nil {
		bad("target.ticket_mask: %v", err)
	}
	if c.Target.Rate == nil {
		// auto by default: BenchmarkRunCapacity shows it near the capacity
		// of WHMCS's pool without queueing in it (the README's
		// Performance section).
		c.Target.Rate = &Rate{Auto: true}
	} else if c.Target.Rate.PerSecond < 0 {
		badAt("target.rate", "must be auto, or 0 (unlimited) or more")
	}
	if c.Target.MaxRate < 0 {
		badAt("target.max_rate", "must be 0 (none) or more")
	}
	if c.Target.Concurrency == 0 {
		// Under rate: auto a bound auto grows into (and --rate may
		// change the rate: targetFlags.apply derives it again).
		c.Target.Concurrency = importer.DefaultWorkers(c.Target.Rate.Auto)
		c.Target.concurrencyDefault = true
	} else if c.Target.Concurrency < 0 || c.Target.Concurrency > 256 {
		badAt("target.concurrency", "must be between 1 and 256")
	}
	if c.Sync.Overlap == nil {
		d := Duration(10 * time.Minute)
		c.Sync.Overlap = &d
	}
	if oc, err := importer.ParseOnConflict(c.Sync.OnConflict); err != nil {
		badAt("sync.on_conflict", "must be whmcs (the default: WHMCS's side is kept) or source, not %q%s", c.Sync.OnConflict,
			didYouMean(c.Sync.OnConflict, []string{"whmcs", "source"}))
	} else {
		c.Sync.OnConflict = string(oc)
	}
	if c.Checkpoint == "" {
		c.Checkpoint = "migration.db"
	}
	c.Checkpoint = c.Path(c.Checkpoint)
	errs = append(errs, c.checkMapping(path, lines)...)
	return errors.Join(errs...)
}

// checkMapping checks the mapping's values when the config is loaded,
// before any command reads the source or calls WHMCS: its enumerated
// values with their line and a "did you mean", then everything else
// mapping.Config.Validate checks (mapping.NewPlanner checks it again when
// a command builds its planner), each message with its key's line.
func (c *Config) checkMapping(path string, lines keyLines) []error {
	var errs []error
	m := c.Mapping
	enum := func(key string, v *string, values ...string) {
		if *v == "" {
			return
		}
		if err := oneOf(*v, values); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", lines.at(path, key), key, err))
			*v = "" // reported: not again by Validate
		}
	}
	enum("mapping.clients", &m.Clients, mapping.ClientsMatchEmail, mapping.ClientsGuest)
	enum("mapping.four_byte_text", &m.FourByteText, mapping.FourByteKeep, mapping.FourByteName)
	if err := m.Validate(); err != nil {
		for _, msg := range strings.Split(err.Error(), "\n") {
			errs = append(errs, fmt.Errorf("%s: %s", lines.at(path, mappingKey(msg)), msg))
		}
	}
	return errs
}

// mappingKey is the dotted key a mapping.Config.Validate message starts
// with: "mapping.priorities[urgent]: ..." -> "mapping.priorities.urgent".
func mappingKey(msg string) string {
	k, _, _ := strings.Cut(msg, ": ")
	k = strings.ReplaceAll(k, "[", ".")
	return strings.ReplaceAll(k, "]", "")
}

// Path resolves p against the config file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Dir, p)
}

// CheckTarget reports what a command that talks to WHMCS needs and lacks.
func (c *Config) CheckTarget() error {
	if c.targetUnset != nil {
		return &ConfigError{c.targetUnset}
	}
	t := c.Target
	switch {
	case t.URL == "":
		return configErrorf("%s: target.url is required", c.File)
	case t.Identifier == "" && t.Username == "":
		return configErrorf("%s: target.identifier and target.secret (or target.username and target.password) are required", c.File)
	case t.Identifier != "" && t.Secret == "":
		return configErrorf("%s: target.secret is required with target.identifier", c.File)
	case t.Username != "" && t.Password == "":
		return configErrorf("%s: target.password is required with target.username", c.File)
	}
	if hint := urlHint(t.URL); hint != "" {
		return configErrorf("%s: target.url: %s", c.File, hint)
	}
	return nil
}

// urlHint says how to write a target.url without a scheme (127.0.0.1:8080,
// billing.example.com/includes/api.php), which does not parse or parses
// as something else; "" for one with a scheme (whmcs.NewHTTP checks the
// rest). A URL holding an @ (perhaps a password) is not echoed.
func urlHint(u string) string {
	if u == "" || strings.Contains(u, "://") {
		return ""
	}
	if strings.Contains(u, "@") {
		return "has no http:// or https://; write the whole URL of WHMCS's API, e.g. https://billing.example.com/includes/api.php"
	}
	site := strings.TrimSuffix(strings.TrimSuffix(u, "/"), "/includes/api.php")
	scheme := "https"
	if h := strings.Split(site, "/")[0]; strings.HasPrefix(h, "127.") || strings.HasPrefix(h, "localhost") {
		scheme = "http"
	}
	return fmt.Sprintf("%q has no http:// or https://; write the whole URL of WHMCS's API, e.g. %s://%s/includes/api.php", u, scheme, site)
}

func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	return time.LoadLocation(name)
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} in every scalar value; an unset variable is an
// error naming it and its line. Only the ${VAR} form is expanded, so a
// literal $ in a password is left alone.
func expandEnv(n *yaml.Node, lookup func(string) (string, bool), path string) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		var missing []string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := lookup(name)
			if !ok {
				missing = append(missing, name)
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("%s:%d: environment variable %s is not set", path, n.Line, strings.Join(missing, ", "))
		}
		n.Tag = "" // let the expanded text be typed by the target field
	}
	for i, c := range n.Content {
		if n.Kind == yaml.MappingNode && i%2 == 0 {
			continue // keys are not expanded
		}
		if err := expandEnv(c, lookup, path); err != nil {
			return err
		}
	}
	return nil
}

// expandTarget expands the values under target: and removes those naming
// an unset variable, returning the error they would have been: a command
// that contacts WHMCS reports it (CheckTarget), one that does not never
// needs them.
func expandTarget(root *yaml.Node, lookup func(string) (string, bool), path string) error {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "target" || root.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		t := root.Content[i+1]
		var errs []error
		kept := t.Content[:0]
		for j := 0; j+1 < len(t.Content); j += 2 {
			if err := expandEnv(t.Content[j+1], lookup, path); err != nil {
				errs = append(errs, err)
				continue
			}
			kept = append(kept, t.Content[j], t.Content[j+1])
		}
		t.Content = kept
		return errors.Join(errs...)
	}
	return nil
}

// checkKeys reports the first mapping key, at any depth of structs, that
// has no yaml field in t, naming the key and its line.
func checkKeys(n *yaml.Node, t reflect.Type, prefix, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("%s:%d: unknown key %s%s%s", path, k.Line, prefix, k.Value, didYouMean(k.Value, slices.Sorted(maps.Keys(fields))))
		}
		if err := checkKeys(n.Content[i+1], ft, prefix+k.Value+".", path); err != nil {
			return err
		}
	}
	return nil
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func withoutKey(n *yaml.Node, key string) *yaml.Node {
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &out
}

// AdminArea is the WHMCS admin area's URL: target.admin_url, or the API
// URL's site + /admin/ (https://billing.example.com/includes/api.php ->
// https://billing.example.com/admin/, a WHMCS in /whmcs/ included). "" when
// neither says.
func (t TargetConfig) AdminArea() string {
	if t.AdminURL != "" {
		return t.AdminURL
	}
	u, err := url.Parse(t.URL)
	if err != nil || u.Host == "" {
		return ""
	}
	site := strings.TrimSuffix(u.Path, "api.php")
	site = strings.TrimSuffix(site, "includes/")
	if !strings.HasSuffix(site, "/") {
		site += "/"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: site + "admin/"}).String()
}
