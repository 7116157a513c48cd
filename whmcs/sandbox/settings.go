package sandbox

// getConfigurationValue answers GetConfigurationValue for SystemURL (the
// only setting the sandbox models; any other answers an empty value).
func (c *call) getConfigurationValue() (any, *apiError) {
	setting := c.str("setting")
	if setting == "" {
		return nil, bizErr("Setting is required")
	}
	value := ""
	if setting == "SystemURL" {
		value = c.s.systemURL()
	}
	return obj{{"result", "success"}, {"setting", setting}, {"value", value}}, nil
}

// systemURL is Options.SystemURL, or the server's own URL.
func (s *Server) systemURL() string {
	if s.opts.SystemURL != "" {
		return s.opts.SystemURL
	}
	if s.URL == "" {
		return ""
	}
	return s.URL + "/"
}
