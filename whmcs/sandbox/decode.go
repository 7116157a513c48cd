package sandbox

import "github.com/whmcs-migrate/whmcs-migrate/whmcs"

// The sandbox decodes attachments and customfields with the client
// package's strict decoders (standard padded base64; a well-formed PHP
// serialized array), so that a client encoding bug fails here rather
// than being silently repaired. Real WHMCS (PHP base64_decode) is more
// lenient.

func decodeAttachments(s string) ([]whmcs.Attachment, error) { return whmcs.DecodeAttachments(s) }

func decodeCustomFields(s string) (map[int]string, error) { return whmcs.DecodeCustomFields(s) }
