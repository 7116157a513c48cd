package whmcs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// GetConfigurationValueRequest is GetConfigurationValue's parameters: the
// name of one System Configuration setting (e.g. "SystemURL"). It is a
// read.
type GetConfigurationValueRequest struct {
	Setting string
}

var _ Request = (*GetConfigurationValueRequest)(nil)

func (*GetConfigurationValueRequest) Action() string { return ActionGetConfigurationValue }
func (*GetConfigurationValueRequest) Write() bool    { return false }
func (r *GetConfigurationValueRequest) Encode(v url.Values, _ *time.Location) {
	setStr(v, "setting", r.Setting)
}

type configValueWire struct {
	Value Text `json:"value"`
}

// GetConfigurationValue reads one System Configuration setting.
func (c *Client) GetConfigurationValue(ctx context.Context, setting string) (string, error) {
	var w configValueWire
	if err := c.c.Call(ctx, &GetConfigurationValueRequest{Setting: setting}, &w); err != nil {
		return "", err
	}
	return string(w.Value), nil
}

// Identity says which WHMCS answers: the site of its API URL and the
// install's own System URL. It is what a checkpoint records of the WHMCS
// it belongs to.
type Identity struct {
	// Site is the API URL's scheme, host, port and path (SiteOf); never
	// credentials.
	Site string
	// SystemURL is the install's System URL (General Settings), as
	// GetConfigurationValue reports it (NormalizeURL), "" when the API
	// role denies that action or it is empty.
	SystemURL string
}

// String names the identity for messages: "https://x/includes/api.php
// (System URL https://x/)".
func (id Identity) String() string {
	su := id.SystemURL
	if su == "" {
		su = "unknown"
	}
	return fmt.Sprintf("%s (System URL %s)", id.Site, su)
}

// Same reports whether other is the same WHMCS: the same site, and the
// same System URL where both are known.
func (id Identity) Same(other Identity) bool {
	return id.Site == other.Site && (id.SystemURL == "" || other.SystemURL == "" || id.SystemURL == other.SystemURL)
}

// SiteOf is the site of an API URL: scheme and host in lower case, the
// port unless it is the scheme's default, and the path without a trailing
// slash; never the user information, query or fragment. "" when raw does
// not parse.
func SiteOf(raw string) string { return NormalizeURL(raw) }

// NormalizeURL is raw in the form SiteOf gives, for comparisons.
func NormalizeURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.TrimSpace(raw), "/")
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6
	}
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		host += ":" + port
	}
	return scheme + "://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

// Site returns the site of the API URL c calls (its *HTTP layer, found by
// unwrapping), "" when c has none.
func (c *Client) Site() string {
	if h, ok := Find[*HTTP](c.Caller()); ok {
		return SiteOf(h.url)
	}
	return ""
}

// Identify reads which WHMCS c calls: the site of its API URL, and the
// install's System URL with one GetConfigurationValue. An API role that
// denies that action leaves SystemURL empty, without error.
func (c *Client) Identify(ctx context.Context) (Identity, error) {
	id := Identity{Site: c.Site()}
	v, err := c.GetConfigurationValue(ctx, "SystemURL")
	switch {
	case err == nil:
		if strings.TrimSpace(v) != "" {
			id.SystemURL = NormalizeURL(v)
		}
	case deniedAction(err, ActionGetConfigurationValue):
	default:
		return id, fmt.Errorf("read the System URL: %w", err)
	}
	return id, nil
}

// ErrOtherTarget is wrapped by the *TargetError Preflight returns when
// the WHMCS that answers is not the one expected.
var ErrOtherTarget = errors.New("another WHMCS answers")

// TargetError says which WHMCS was expected and which one answered.
type TargetError struct {
	Expected, Found Identity
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("expected the WHMCS at %s, found %s", e.Expected, e.Found)
}

func (e *TargetError) Unwrap() error { return ErrOtherTarget }
