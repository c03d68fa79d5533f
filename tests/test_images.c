/* SPDX-License-Identifier: MIT */
/*
 * Image store: import gives the sha256 of the config as id, tags resolve
 * and go, whiteouts delete what lower layers left, a save loads back with
 * configs and layers byte for byte, container roots come and go.
 */
/* Paths are the fixture's short temp dir plus a name; PATH_MAX holds them. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/base/xalloc.h"
#include "daemon/images.h"
#include "daemon/imgarchive.h"
#include "tests/helpers.h"

struct member {
	const char	*name;
	const char	*data;	/* NULL: a directory */
};

/* A tar of members at path, through the store's own writer. */
static void
make_tar(const char *path, const struct member *m, size_t n)
{
	struct imgarchive_entry	 e[16];
	struct err		 err;
	int			 fd;

	assert_true(n <= 16);
	memset(e, 0, sizeof e);
	for (size_t i = 0; i < n; i++) {
		e[i].name = m[i].name;
		e[i].dir = m[i].data == NULL;
		e[i].data = m[i].data;
		e[i].len = m[i].data != NULL ? strlen(m[i].data) : 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(imgarchive_write(fd, e, n, &err), 0);
	close(fd);
}

static int
exists(const char *dir, const char *rel)
{
	char		 p[PATH_MAX];
	struct stat	 sb;

	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return (lstat(p, &sb) == 0);
}

static const struct member rootfs[] = {
	{ "etc", NULL }, { "etc/hostname", "box\n" }, { "bin", NULL },
};

static struct images *
import_one(struct lp_fixture *f, const char *ref, json_t *changes,
    char **id)
{
	struct images	*st;
	struct err	 err;
	char		 tar[PATH_MAX];
	int		 fd;

	snprintf(tar, sizeof tar, "%s/root.tar", f->dir);
	make_tar(tar, rootfs, 3);
	st = images_new(f->dir, NULL, &err);
	assert_non_null(st);
	fd = open(tar, O_RDONLY);
	assert_int_equal(images_import(st, fd, ref, NULL, changes, id, &err),
	    0);
	close(fd);
	return (st);
}

static void
test_import_id_is_config_hash(void **state)
{
	struct lp_fixture	*f = *state;
	struct images_image	*img;
	struct images		*st;
	struct err		 err;
	json_t			*changes = json_pack("[s, s, s]",
	    "CMD [\"echo\", \"hi\"]", "ENV A=1 B=\"2 3\"", "WORKDIR /tmp");
	char			 path[PATH_MAX], hex[65], *id, *bytes;
	size_t			 len;

	st = import_one(f, "box", changes, &id);
	json_decref(changes);
	snprintf(path, sizeof path, "%s/image/content/%s", f->dir, id + 7);
	bytes = read_file(path, &len);
	imgarchive_sha256(bytes, len, hex);
	assert_string_equal(id + 7, hex);
	/* The diff_id is the hash of the tar as sent. */
	snprintf(path, sizeof path, "%s/root.tar", f->dir);
	assert_int_equal(imgarchive_sha256_file(path, hex, &err), 0);
	assert_non_null(strstr(bytes, hex));
	test_free(bytes);

	img = images_lookup(st, "box:latest", &err);
	assert_non_null(img);
	assert_string_equal(images_image_id(img), id);
	assert_ptr_equal(images_lookup(st, id, &err), img);
	assert_ptr_equal(images_lookup(st, "docker.io/library/box", &err),
	    img);
	{
		char short_id[13];

		snprintf(short_id, sizeof short_id, "%.12s", id + 7);
		assert_ptr_equal(images_lookup(st, short_id, &err), img);
	}
	bytes = json_dumps(json_object_get(images_image_config(img),
	    "config"), JSON_COMPACT);
	assert_non_null(strstr(bytes, "\"Env\":[\"A=1\",\"B=2 3\"],"
	    "\"Cmd\":[\"echo\",\"hi\"]"));
	assert_non_null(strstr(bytes, "\"WorkingDir\":\"/tmp\""));
	xfree(bytes);
	snprintf(path, sizeof path, "%s/image/rootfs/%s", f->dir, id + 7);
	assert_true(exists(path, "etc/hostname"));
	xfree(id);
	images_free(st);
}

static void
test_tag_untag(void **state)
{
	struct lp_fixture	*f = *state;
	struct images_image	*img;
	struct images		*st;
	struct err		 err;
	json_t			*tags;
	char			*id;

	st = import_one(f, NULL, NULL, &id);
	img = images_lookup(st, id, &err);
	assert_non_null(img);
	assert_null(images_lookup(st, "web", &err));
	assert_string_equal(err.msg, "No such image: web:latest");
	assert_int_equal(images_tag(st, img, "web:v1", &err), 0);
	assert_int_equal(images_tag(st, img, "Web:v2", &err), -1);
	assert_string_equal(err.msg, "invalid reference format: repository "
	    "name must be lowercase");
	assert_ptr_equal(images_lookup(st, "web:v1", &err), img);
	tags = images_tags(st, img);
	assert_int_equal(json_array_size(tags), 1);
	json_decref(tags);
	assert_int_equal(images_untag(st, "web:v1", &err), 0);
	assert_null(images_lookup(st, "web:v1", &err));
	assert_int_equal(images_untag(st, "web:v1", &err), -1);
	assert_int_equal(images_tag(st, img, "keep:1", &err), 0);
	images_free(st);

	/* Tags and images survive a restart. */
	st = images_new(f->dir, NULL, &err);
	assert_non_null(st);
	assert_null(images_lookup(st, "web:v1", &err));
	img = images_lookup(st, "keep:1", &err);
	assert_non_null(img);
	assert_string_equal(images_image_id(img), id);
	xfree(id);
	images_free(st);
}

/* A docker-save tar of two layers, the second with whiteouts. */
static void
make_save(struct lp_fixture *f, char *config_hex)
{
	static const struct member l1[] = {
		{ "a", NULL }, { "a/keep", "k" }, { "a/gone", "g" },
		{ "d", NULL }, { "d/old", "o" },
	};
	static const struct member l2[] = {
		{ "a/.wh.gone", "" }, { "d", NULL }, { "d/.wh..wh..opq", "" },
		{ "d/new", "n" },
	};
	char		 p1[PATH_MAX], p2[PATH_MAX], h1[65], h2[65], *cfg;
	char		 *man, path[PATH_MAX], out[PATH_MAX];
	struct err	 err;
	struct imgarchive_entry e[5];
	int		 fd;

	snprintf(p1, sizeof p1, "%s/l1.tar", f->dir);
	snprintf(p2, sizeof p2, "%s/l2.tar", f->dir);
	make_tar(p1, l1, 5);
	make_tar(p2, l2, 4);
	imgarchive_sha256_file(p1, h1, &err);
	imgarchive_sha256_file(p2, h2, &err);
	cfg = xasprintf("{\"architecture\":\"amd64\",\"config\":{\"Cmd\":"
	    "[\"sh\"]},\"created\":\"2020-01-02T03:04:05Z\",\"os\":\"linux\","
	    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\","
	    "\"sha256:%s\"]}}", h1, h2);
	imgarchive_sha256(cfg, strlen(cfg), config_hex);
	man = xasprintf("[{\"Config\":\"%s.json\",\"RepoTags\":[\"two:1\"],"
	    "\"Layers\":[\"x/layer.tar\",\"y/layer.tar\"]}]", config_hex);
	memset(e, 0, sizeof e);
	e[0].name = "x/layer.tar";
	e[0].path = p1;
	e[1].name = "y/layer.tar";
	e[1].path = p2;
	snprintf(path, sizeof path, "%s.json", config_hex);
	e[2].name = path;
	e[2].data = cfg;
	e[2].len = strlen(cfg);
	e[3].name = "manifest.json";
	e[3].data = man;
	e[3].len = strlen(man);
	snprintf(out, sizeof out, "%s/save.tar", f->dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(imgarchive_write(fd, e, 4, &err), 0);
	close(fd);
	xfree(cfg);
	xfree(man);
}

static void
line_cb(const char *line, void *arg)
{
	snprintf(arg, 128, "%s", line);
}

static void
test_load_whiteouts_and_save_round_trip(void **state)
{
	struct lp_fixture	*f = *state;
	struct images		*st;
	struct images_image	*img;
	struct err		 err;
	const char		*ref = "two:1";
	char			 hex[65], path[PATH_MAX], root[PATH_MAX];
	char			 last[128] = "", out[PATH_MAX], *a, *b;
	size_t			 alen, blen;
	int			 fd;

	make_save(f, hex);
	st = images_new(f->dir, NULL, &err);
	assert_non_null(st);
	snprintf(path, sizeof path, "%s/save.tar", f->dir);
	fd = open(path, O_RDONLY);
	if (images_load(st, fd, line_cb, last, &err) != 0)
		fail_msg("load: %s", err.msg);
	close(fd);
	assert_string_equal(last, "Loaded image: two:1");
	img = images_lookup(st, "two:1", &err);
	assert_non_null(img);
	assert_string_equal(images_image_id(img) + 7, hex);

	snprintf(root, sizeof root, "%s/image/rootfs/%s", f->dir, hex);
	assert_true(exists(root, "a/keep"));
	assert_false(exists(root, "a/gone"));		/* .wh.gone */
	assert_false(exists(root, "a/.wh.gone"));
	assert_false(exists(root, "d/old"));		/* opaque dir */
	assert_true(exists(root, "d/new"));

	/* save, then read it back: the same config and layer bytes. */
	snprintf(path, sizeof path, "%s/again.tar", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(images_save(st, &ref, 1, fd, &err), 0);
	close(fd);
	snprintf(out, sizeof out, "%s/out", f->dir);
	mkdir(out, 0700);
	fd = open(path, O_RDONLY);
	assert_int_equal(imgarchive_extract_flat(fd, out, &err), 0);
	close(fd);
	snprintf(path, sizeof path, "%s/%s.json", out, hex);
	a = read_file(path, &alen);
	snprintf(path, sizeof path, "%s/image/content/%s", f->dir, hex);
	b = read_file(path, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	test_free(a);
	test_free(b);
	snprintf(path, sizeof path, "%s/l2.tar", f->dir);
	a = read_file(path, &alen);
	imgarchive_sha256(a, alen, hex);
	snprintf(path, sizeof path, "%s/%s_layer.tar", out, hex);
	b = read_file(path, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	test_free(a);
	test_free(b);
	snprintf(path, sizeof path, "%s/manifest.json", out);
	a = read_file(path, &alen);
	assert_non_null(strstr(a, "\"RepoTags\":[\"two:1\"]"));
	test_free(a);
	images_free(st);
}

static void
test_rootfs_and_delete(void **state)
{
	struct lp_fixture	*f = *state;
	struct images		*st;
	struct images_image	*img;
	struct err		 err;
	json_t			*out = json_array();
	char			*id, *root, path[PATH_MAX];

	st = import_one(f, "box", NULL, &id);
	img = images_lookup(st, "box", &err);
	assert_int_equal(images_rootfs_prepare(st, img, "c1", &root, &err), 0);
	assert_true(exists(root, "etc/hostname"));
	/* The container's writes stay in its own root. */
	snprintf(path, sizeof path, "%s/etc/written", root);
	write_file(path, "x", 1);
	snprintf(path, sizeof path, "%s/image/rootfs/%s", f->dir, id + 7);
	assert_false(exists(path, "etc/written"));
	assert_int_equal(images_rootfs_remove(st, "c1", &err), 0);
	assert_false(exists(root, "."));
	xfree(root);

	assert_int_equal(images_untag(st, "box", &err), 0);
	assert_int_equal(images_delete(st, img, out, &err), 0);
	assert_int_equal(json_array_size(out), 2);	/* image, layer */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 0), "Deleted")), id);
	json_decref(out);
	assert_false(exists(path, "."));
	assert_null(images_lookup(st, id, &err));
	xfree(id);
	images_free(st);
}

static void
test_ref_normalise(void **state)
{
	static const char *cases[][2] = {
		{ "busybox", "busybox:latest" },
		{ "busybox:1.36", "busybox:1.36" },
		{ "docker.io/library/busybox", "busybox:latest" },
		{ "docker.io/me/app:v", "me/app:v" },
		{ "localhost:5000/app", "localhost:5000/app:latest" },
		{ "a__b/c-d.e", "a__b/c-d.e:latest" },
	};
	static const char *bad[] = { "", "Busybox", "a:", "-a", "a//b",
	    "a@sha256:00", "a:b:c" };
	struct err	err;
	char		*s;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		s = images_ref_normalise(cases[i][0], &err);
		assert_non_null(s);
		assert_string_equal(s, cases[i][1]);
		xfree(s);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(images_ref_normalise(bad[i], &err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_id_is_config_hash,
		    lp_setup, lp_teardown),
		cmocka_unit_test_setup_teardown(test_tag_untag, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_whiteouts_and_save_round_trip, lp_setup,
		    lp_teardown),
		cmocka_unit_test_setup_teardown(test_rootfs_and_delete,
		    lp_setup, lp_teardown),
		cmocka_unit_test(test_ref_normalise),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
