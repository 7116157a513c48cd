-- Kayako Classic 4.x's tables the kayako preset reads or counts, as
-- shared/research/source-schemas-3.md §1.2 describes them. Used by
-- sources/mysql and cmd/whmcs-migrate tests.
SET SESSION sql_mode = '';
SET NAMES utf8;
CREATE TABLE swtickets (ticketid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketmaskid varchar(20) NOT NULL DEFAULT '',
  departmentid int(11) NOT NULL DEFAULT 0, departmenttitle varchar(255) NOT NULL DEFAULT '', trasholddepartmentid int(11) NOT NULL DEFAULT 0,
  ticketstatusid int(11) NOT NULL DEFAULT 0, ticketstatustitle varchar(255) NOT NULL DEFAULT '',
  priorityid int(11) NOT NULL DEFAULT 0, prioritytitle varchar(255) NOT NULL DEFAULT '', userid int(11) NOT NULL DEFAULT 0,
  fullname varchar(225) NOT NULL DEFAULT '', email varchar(150) NOT NULL DEFAULT '', replyto varchar(150) NOT NULL DEFAULT '',
  staffid int(11) NOT NULL DEFAULT 0, ownerstaffid int(11) NOT NULL DEFAULT 0, ownerstaffname varchar(255) NOT NULL DEFAULT '',
  subject varchar(255) NOT NULL DEFAULT '', dateline int(11) NOT NULL DEFAULT 0, lastactivity int(11) NOT NULL DEFAULT 0,
  resolutiondateline int(11) NOT NULL DEFAULT 0, creator smallint(6) NOT NULL DEFAULT 0, hasnotes smallint(6) NOT NULL DEFAULT 0,
  hasattachments smallint(6) NOT NULL DEFAULT 0, hasdraft smallint(6) NOT NULL DEFAULT 0, firstpostid int(11) NOT NULL DEFAULT 0,
  lastpostid int(11) NOT NULL DEFAULT 0, KEY departmentid (departmentid)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketposts (ticketpostid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketid int(11) NOT NULL DEFAULT 0,
  dateline int(11) NOT NULL DEFAULT 0, userid int(11) NOT NULL DEFAULT 0, fullname varchar(255) NOT NULL DEFAULT '',
  email varchar(255) NOT NULL DEFAULT '', emailto varchar(255) NOT NULL DEFAULT '', subject varchar(255) NOT NULL DEFAULT '',
  edited smallint(6) NOT NULL DEFAULT 0, editedbystaffid int(11) NOT NULL DEFAULT 0, editeddateline int(11) NOT NULL DEFAULT 0,
  creator smallint(6) NOT NULL DEFAULT 0, isthirdparty smallint(6) NOT NULL DEFAULT 0, ishtml smallint(6) NOT NULL DEFAULT 0,
  isemailed smallint(6) NOT NULL DEFAULT 0, staffid int(11) NOT NULL DEFAULT 0, contents longtext NULL,
  contenthash varchar(50) NOT NULL DEFAULT '', isprivate smallint(6) NOT NULL DEFAULT 0, issurveycomment smallint(6) NOT NULL DEFAULT 0,
  creationmode smallint(6) NOT NULL DEFAULT 0, KEY ticketid (ticketid, staffid)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketnotes (ticketnoteid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, linktype smallint(6) NOT NULL DEFAULT 0,
  linktypeid int(11) NOT NULL DEFAULT 0, forstaffid int(11) NOT NULL DEFAULT 0, staffid int(11) NOT NULL DEFAULT 0,
  staffname varchar(255) NOT NULL DEFAULT '', dateline int(11) NOT NULL DEFAULT 0, isedited smallint(6) NOT NULL DEFAULT 0,
  notecolor int(11) NOT NULL DEFAULT 1, note longtext NULL, KEY linktype (linktype, linktypeid)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swattachments (attachmentid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, linktype smallint(6) NOT NULL DEFAULT 0,
  linktypeid int(11) NOT NULL DEFAULT 0, downloaditemid int(11) NOT NULL DEFAULT 0, ticketid int(11) NOT NULL DEFAULT 0,
  filename varchar(255) NOT NULL DEFAULT '', filesize int(11) NOT NULL DEFAULT 0, filetype varchar(150) NOT NULL DEFAULT '',
  dateline int(11) NOT NULL DEFAULT 0, attachmenttype smallint(6) NOT NULL DEFAULT 0, storefilename varchar(255) NOT NULL DEFAULT '',
  contentid varchar(255) NOT NULL DEFAULT '', sha1 varchar(40) NOT NULL DEFAULT '', KEY linktype (linktype, linktypeid), KEY ticketid (ticketid))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swattachmentchunks (chunkid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, attachmentid int(11) NOT NULL DEFAULT 0,
  contents MEDIUMBLOB NOT NULL, notbase64 smallint(6) NOT NULL DEFAULT 0, KEY attachmentid (attachmentid))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketdrafts (ticketdraftid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketid int(11) NOT NULL DEFAULT 0,
  dateline int(11) NOT NULL DEFAULT 0, staffid int(11) NOT NULL DEFAULT 0, staffname varchar(255) NOT NULL DEFAULT '', contents longtext NULL)
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketrecipients (ticketrecipientid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketid int(11) NOT NULL DEFAULT 0,
  ticketemailid int(11) NOT NULL DEFAULT 0, recipienttype smallint(6) NOT NULL DEFAULT 0, UNIQUE KEY (ticketid, ticketemailid))
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketemails (ticketemailid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(255) NOT NULL DEFAULT '',
  issearchable smallint(6) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketauditlogs (ticketauditlogid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ticketid int(11) NOT NULL DEFAULT 0,
  ticketpostid int(11) NOT NULL DEFAULT 0, departmentid int(11) NOT NULL DEFAULT 0, dateline int(11) NOT NULL DEFAULT 0,
  creatortype smallint(6) NOT NULL DEFAULT 0, creatorid int(11) NOT NULL DEFAULT 0, creatorfullname varchar(255) NOT NULL DEFAULT '',
  actiontype smallint(6) NOT NULL DEFAULT 0, actionmsg varchar(255) NOT NULL DEFAULT '') ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketstatus (ticketstatusid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, title varchar(255) NOT NULL DEFAULT '',
  displayorder int(11) NOT NULL DEFAULT 0, markasresolved smallint(6) NOT NULL DEFAULT 0, departmentid int(11) NOT NULL DEFAULT 0)
  ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swticketpriorities (priorityid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, title varchar(255) NOT NULL DEFAULT '',
  displayorder int(11) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swdepartments (departmentid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, title varchar(100) NOT NULL DEFAULT '',
  departmenttype varchar(50) NOT NULL DEFAULT 'public', departmentapp varchar(50) NOT NULL DEFAULT 'tickets',
  parentdepartmentid int(11) NOT NULL DEFAULT 0, displayorder int(11) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swstaff (staffid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, firstname varchar(100) NOT NULL DEFAULT '',
  lastname varchar(100) NOT NULL DEFAULT '', fullname varchar(200) NOT NULL DEFAULT '', username varchar(100) NOT NULL DEFAULT '',
  email varchar(255) NOT NULL DEFAULT '', isenabled smallint(6) NOT NULL DEFAULT 1) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swuseremails (useremailid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, linktype smallint(6) NOT NULL DEFAULT 1,
  linktypeid int(11) NOT NULL DEFAULT 0, email varchar(255) NOT NULL DEFAULT '', isprimary smallint(6) NOT NULL DEFAULT 0,
  KEY linktype (linktype, linktypeid)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swsettings (settingid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, section varchar(50) NOT NULL DEFAULT '',
  vkey varchar(50) NOT NULL DEFAULT '', data longtext NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swcustomfieldgroups (customfieldgroupid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, title varchar(255) NOT NULL DEFAULT '',
  grouptype smallint(6) NOT NULL DEFAULT 0, displayorder int(11) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swcustomfields (customfieldid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, customfieldgroupid int(11) NOT NULL DEFAULT 0,
  title varchar(255) NOT NULL DEFAULT '', fieldtype smallint(6) NOT NULL DEFAULT 1, fieldname varchar(100) NOT NULL DEFAULT '',
  displayorder int(11) NOT NULL DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
CREATE TABLE swcustomfieldvalues (customfieldvalueid int(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, customfieldid int(11) NOT NULL DEFAULT 0,
  typeid int(11) NOT NULL DEFAULT 0, fieldvalue text NULL, isserialized smallint(6) NOT NULL DEFAULT 0, isencrypted smallint(6) NOT NULL DEFAULT 0,
  KEY typeid (typeid)) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_unicode_ci;
