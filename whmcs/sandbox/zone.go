package sandbox

// getAdminDetails answers the API credential's admin, with requesttime:
// the moment of the call in the server's zone (Options.TimeZone), as
// WHMCS's PHP date() writes it. It is the zone evidence the preflight
// reads (whmcs.CheckZone), against the answer's Date header (UTC).
func (c *call) getAdminDetails() (any, *apiError) {
	v := c.s.opts.Version
	return obj{{"result", "success"}, {"adminid", 1}, {"name", "API Admin"}, {"notes", ""}, {"signature", ""},
		{"allowedpermissions", "API Access"}, {"departments", ""}, {"requesttime", c.now.Format(dateLayout)},
		{"whmcs", obj{{"version", v}, {"canonicalversion", canonicalVersion(v)}}}}, nil
}
