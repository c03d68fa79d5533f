/* SPDX-License-Identifier: MIT */
/*
 * The man pages, from the options table: the OPTIONS of logpouchd(8) and
 * the KEYS of logpouch.json(5) are the table's rows, so --help and the
 * pages list the same flags. The prose around them is here.
 */
#include <string.h>

#include "daemon/options_man.h"
#include "daemon/options_table.h"

/*
 * Text into roff: a backslash is \e, a hyphen \- (so flags copy-paste as
 * ASCII), and a line never starts with a control character.
 */
static void
options_man_text(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

/* "\fB\-H\fR, \fB\-\-host\fR \fIADDR\fR" */
static void
options_man_flag(FILE *fp, const struct options_spec *s)
{
	if (s->letter != 0)
		fprintf(fp, "\\fB\\-%c\\fR, ", s->letter);
	fputs("\\fB\\-\\-", fp);
	options_man_text(fp, s->name);
	fputs("\\fR", fp);
	if (s->arg != NULL) {
		fputs(" \\fI", fp);
		options_man_text(fp, s->arg);
		fputs("\\fR", fp);
	}
}

/* The reloadable keys, "debug, log-level, ...", from the table. */
static void
options_man_reloadable(FILE *fp)
{
	int	first = 1;

	for (size_t i = 0; i < options_nspecs; i++) {
		if (!(options_specs[i].flags & OPTIONS_SPEC_RELOAD))
			continue;
		fputs(first ? "\\fB" : ", \\fB", fp);
		options_man_text(fp, options_specs[i].key);
		fputs("\\fR", fp);
		first = 0;
	}
}

static void
options_man_8(FILE *fp)
{
	fputs(".SH NAME\n"
	    "logpouchd \\- a container engine serving the Docker Engine API\n"
	    ".SH SYNOPSIS\n"
	    ".B logpouchd\n"
	    ".RI [ OPTIONS ]\n"
	    ".SH DESCRIPTION\n"
	    ".B logpouchd\n"
	    "runs containers from images under an OCI runtime (runc or crun),\n"
	    "stores their output in Docker's json\\-file format and serves\n"
	    "the Docker Engine API as dockerd 20.10 does, so the docker CLI\n"
	    "and log shippers work against it.\n"
	    "Every request's producers are released as soon as its client\n"
	    "goes away.\n"
	    ".PP\n"
	    "Options may also be set in the file named by\n"
	    ".BR \\-\\-config ,\n"
	    "described in\n"
	    ".BR logpouch.json (5);\n"
	    "a flag wins over the file.\n"
	    ".SH OPTIONS\n", fp);
	for (size_t i = 0; i < options_nspecs; i++) {
		const struct options_spec	*s = &options_specs[i];

		if (s->flags & OPTIONS_SPEC_HIDDEN)
			continue;
		fputs(".TP\n", fp);
		options_man_flag(fp, s);
		fputc('\n', fp);
		options_man_text(fp, s->help);
		fputs(".\n", fp);
		if (s->flags & OPTIONS_SPEC_RELOAD)
			fputs("Reloaded on SIGHUP from the file.\n", fp);
	}
	fputs(".SH SIGNALS\n"
	    ".TP\n.B SIGHUP\n"
	    "Reads the\n.B \\-\\-config\n"
	    "file again and applies its reloadable keys (", fp);
	options_man_reloadable(fp);
	fputs(")\nwhen no flag set them; the log driver and its options apply "
	    "to\ncontainers created after the reload.\n"
	    "Other keys that changed are logged and ignored until a restart.\n"
	    "A file that cannot be read or holds an invalid value is logged\n"
	    "and the running configuration is kept.\n"
	    ".TP\n.BR SIGINT \", \" SIGTERM\n"
	    "Shut down gracefully: stop accepting, end every stream, stop the\n"
	    "containers, within\n.BR \\-\\-shutdown\\-timeout .\n"
	    ".TP\n.B SIGUSR1\n"
	    "Write the task dump to\n"
	    ".IR data\\-root /task\\-stacks\\- time .log.\n"
	    ".TP\n.B SIGUSR2\n"
	    "Toggle debug logging.\n"
	    ".SH FILES\n"
	    ".TP\n.I /run/logpouch.sock\n"
	    "The API socket as root.\n"
	    ".TP\n.I /var/lib/logpouch\n"
	    "The data root as root: containers, logs and images.\n"
	    ".SH SEE ALSO\n"
	    ".BR logpouch.json (5),\n"
	    ".BR dockerd (8),\n"
	    ".BR systemd.socket (5)\n", fp);
}

static void
options_man_5(FILE *fp)
{
	fputs(".SH NAME\n"
	    "logpouch.json \\- the logpouchd configuration file\n"
	    ".SH SYNOPSIS\n"
	    ".B logpouchd \\-\\-config\n"
	    ".I /etc/logpouch/logpouch.json\n"
	    ".SH DESCRIPTION\n"
	    "The file named by\n.BR \\-\\-config :\n"
	    "one JSON object whose keys are\n.BR logpouchd (8)'s\n"
	    "long flag names, as dockerd's daemon.json.\n"
	    "A flag given on the command line wins over the file's value.\n"
	    "An unknown key or a value of the wrong type stops the daemon at\n"
	    "start with a message naming the file and the key.\n"
	    ".PP\n"
	    "On SIGHUP the daemon reads the file again. The reloadable keys\n"
	    "(", fp);
	options_man_reloadable(fp);
	fputs(") take effect at once;\n"
	    "the log driver and options apply to containers created after\n"
	    "the reload.\n"
	    "Any other key that changed is logged and ignored until a\n"
	    "restart. A file that cannot be read, or holds an invalid value,\n"
	    "is logged and changes nothing.\n"
	    ".SH KEYS\n", fp);
	for (size_t i = 0; i < options_nspecs; i++) {
		const struct options_spec	*s = &options_specs[i];

		if (s->key == NULL || (s->flags & OPTIONS_SPEC_HIDDEN))
			continue;
		fputs(".TP\n\\fB", fp);
		options_man_text(fp, s->key);
		fputs("\\fR (", fp);
		options_man_text(fp, s->type);
		fputs(")\n", fp);
		options_man_text(fp, s->file_help != NULL ? s->file_help :
		    s->help);
		if (s->file_help == NULL)
			fputc('.', fp);
		fputs("\nFlag: ", fp);
		options_man_flag(fp, s);
		fputs(".\n", fp);
		if (s->flags & OPTIONS_SPEC_RELOAD)
			fputs("Reloaded on SIGHUP.\n", fp);
	}
	fputs(".SH EXAMPLE\n"
	    ".PP\n.nf\n.RS\n"
	    "{\n"
	    "  \"hosts\": [\"fd://\", \"unix:///run/logpouch.sock\"],\n"
	    "  \"debug\": false,\n"
	    "  \"log\\-level\": \"info\",\n"
	    "  \"log\\-driver\": \"json\\-file\",\n"
	    "  \"log\\-opts\": {\"max\\-size\": \"10m\", \"max\\-file\": "
	    "\"3\"}\n"
	    "}\n"
	    ".RE\n.fi\n"
	    ".PP\n"
	    "After editing it:\n"
	    ".B systemctl reload logpouch\n"
	    "(or \\fBkill \\-HUP\\fR \\fIpid\\fR).\n"
	    ".SH SEE ALSO\n"
	    ".BR logpouchd (8),\n"
	    ".BR dockerd (8)\n", fp);
}

int
options_man_write(FILE *fp, int section, const char *version)
{
	if (section != 8 && section != 5)
		return (-1);
	fprintf(fp, ".\\\" Written by logpouchd \\-\\-man=%d from its options "
	    "table: edit\n.\\\" daemon/options_table.c, not this file.\n",
	    section);
	if (section == 8)
		fprintf(fp, ".TH LOGPOUCHD 8 \"\" \"logpouch %s\" "
		    "\"System Administration\"\n", version);
	else
		fprintf(fp, ".TH LOGPOUCH.JSON 5 \"\" \"logpouch %s\" "
		    "\"File Formats\"\n", version);
	/* Flags and paths must not be hyphenated at a line's end. */
	fputs(".nh\n", fp);
	if (section == 8)
		options_man_8(fp);
	else
		options_man_5(fp);
	return (fflush(fp) == 0 && !ferror(fp) ? 0 : -1);
}
