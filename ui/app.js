// SPDX-License-Identifier: MIT
// logpouch's log viewer (docs/ui.md). It uses the API every client uses:
// /containers/json, /events and /containers/{id}/logs?follow=1, read
// through fetch()'s streaming body with the 8-byte frame decoder below.
// Every stream has an AbortController: switching, closing a pane, leaving
// the page abort it, and the daemon releases it when the socket closes.
'use strict';
(() => {
	const MAX_PANES = 4;	// + the events stream: under 6 per host
	const MAX_LINES = 5000;	// per pane; the oldest go first
	const $ = (id) => document.getElementById(id);
	const enc = encodeURIComponent;

	const ui = {
		containers: [],		// /containers/json, sorted by name
		panes: [],		// Pane, left to right
		filter: null,		// function(text) -> bool, or null
		paused: false,
		leaving: false,		// pagehide: nothing may reconnect
		events: null,		// the events stream's AbortController
		listTimer: 0,
		listCtl: null,
	};

	function status(text, bad) {
		const el = $('status');
		el.textContent = text;
		el.classList.toggle('bad', !!bad);
	}

	async function errorText(res) {
		try {
			return (await res.json()).message || res.statusText;
		} catch (e) {
			return res.status + ' ' + res.statusText;
		}
	}

	async function getJSON(path, signal) {
		const res = await fetch(path, { signal, cache: 'no-store' });
		if (!res.ok)
			throw new Error(await errorText(res));
		return res.json();
	}

	const { FrameDecoder, Lines, render, tsKey } = globalThis.logpouch;

	// --- a followed container
	class Pane {
		constructor(c) {
			this.id = c.Id;
			this.name = c.name;
			this.el = $('pane-tpl').content.firstElementChild.cloneNode(true);
			this.box = this.el.querySelector('.lines');
			this.el.dataset.id = c.Id;
			this.el.dataset.name = c.name;
			this.el.querySelector('.name').textContent = c.name;
			this.el.querySelector('.meta').textContent = c.Image;
			this.el.querySelector('.close').setAttribute('aria-label',
			    'Stop following ' + c.name);
			this.el.querySelector('.close').onclick = () => closePane(this);
			this.el.querySelector('.dl').onclick = () => this.download();
			this.box.setAttribute('aria-label', 'Logs of ' + c.name);
			this.box.addEventListener('scroll', () => {
				const b = this.box;
				this.stick = b.scrollHeight - b.scrollTop -
				    b.clientHeight < 8;
			});
			this.ctl = null;
			this.queue = [];
			this.flushing = 0;
			this.matches = 0;	// lines shown (filter passed)
			this.count = 0;		// lines held, notes aside
			this.stick = true;
			this.lastKey = null;	// newest line's tsKey
		}

		setState(state, text) {
			this.el.dataset.state = state;
			this.el.querySelector('.pstate').textContent = text;
		}

		abort() {
			if (this.ctl !== null) {
				this.ctl.abort();
				this.ctl = null;
			}
		}

		// resume: go on after the newest line shown (a restart, a page
		// back from the cache); otherwise start over with tail and since.
		async follow(resume) {
			this.abort();
			const ctl = new AbortController();
			this.ctl = ctl;
			this.setState('opening', 'connecting…');
			const q = new URLSearchParams({ stdout: 1, stderr: 1,
			    follow: 1, timestamps: 1 });
			this.skipTo = null;
			if (resume && this.lastKey !== null) {
				q.set('since', this.lastKey);
				this.skipTo = this.lastKey;	// since is inclusive
			} else {
				this.clear();
				q.set('tail', $('tail').value);
				if ($('since').value !== '')
					q.set('since', Math.floor(Date.now() / 1000) -
					    Number($('since').value));
			}
			try {
				const info = await getJSON('/containers/' +
				    enc(this.id) + '/json', ctl.signal);
				const res = await fetch('/containers/' + enc(this.id) +
				    '/logs?' + q, { signal: ctl.signal,
				    cache: 'no-store' });
				if (!res.ok)
					throw new Error(await errorText(res));
				this.setState('live', info.State.Running ?
				    'following' : 'not running');
				await this.read(res.body.getReader(), info.Config.Tty);
				if (this.ctl === ctl)
					this.setState('ended', 'ended: ' +
					    'the container stopped');
			} catch (e) {
				if (ctl.signal.aborted)
					return;
				this.setState('error', e.message);
			} finally {
				if (this.ctl === ctl)
					this.ctl = null;
			}
		}

		async read(reader, tty) {
			const out = new Lines((s) => this.add(1, s));
			const err = new Lines((s) => this.add(2, s));
			const sys = new Lines((s) => this.note(s));
			const sink = tty ? out : new FrameDecoder((stream, data) =>
			    (stream === 2 ? err : stream === 3 ? sys : out).push(data));
			for (;;) {
				const { value, done } = await reader.read();
				if (done)
					break;
				sink.push(value);
			}
			out.end();
			err.end();
			sys.end();
		}

		add(stream, line) {
			let ts = '', msg = line;
			const sp = line.indexOf(' ');
			if (sp > 0 && line.charCodeAt(4) === 45 && line[10] === 'T') {
				const key = tsKey(line.slice(0, sp));
				if (key !== null) {
					if (this.skipTo !== null && key <= this.skipTo)
						return;
					this.skipTo = null;
					this.lastKey = key;
					ts = line.slice(0, sp);
					msg = line.slice(sp + 1);
				}
			}
			this.push({ stream, ts, msg });
		}

		note(text) {
			this.push({ stream: 0, ts: '', msg: text });
		}

		push(l) {
			this.queue.push(l);
			if (this.queue.length > MAX_LINES)
				this.queue.splice(0, this.queue.length - MAX_LINES);
			if (!this.flushing)
				this.flushing = setTimeout(() => this.flush(), 16);
		}

		// Lines reach the page in batches, at most one per frame.
		flush() {
			this.flushing = 0;
			const frag = document.createDocumentFragment();
			for (const l of this.queue) {
				const div = document.createElement('div');
				div.className = l.stream === 2 ? 'l err' :
				    l.stream === 0 ? 'l note' : 'l out';
				if (l.ts !== '') {
					const t = document.createElement('span');
					t.className = 'ts';
					// The time of day to the millisecond; all of it
					// on hover and in a download.
					t.textContent = l.ts.slice(11, 23);
					t.title = l.ts;
					div.append(t);
				}
				div.lpText = render(div, l.msg);
				div.lpTs = l.ts;
				if (l.stream !== 0)
					this.count++;
				if (l.stream !== 0 && ui.filter !== null &&
				    !ui.filter(div.lpText))
					div.classList.add('hide');
				else if (l.stream !== 0)
					this.matches++;
				frag.append(div);
			}
			this.queue = [];
			this.box.append(frag);
			let extra = this.box.childElementCount - MAX_LINES;
			while (extra-- > 0) {
				const first = this.box.firstElementChild;
				if (!first.classList.contains('note')) {
					this.count--;
					if (!first.classList.contains('hide'))
						this.matches--;
				}
				first.remove();
			}
			this.scroll();
			counts();
		}

		scroll() {
			if (!ui.paused && this.stick)
				this.box.scrollTop = this.box.scrollHeight;
		}

		clear() {
			this.queue = [];
			this.box.replaceChildren();
			this.matches = 0;
			this.count = 0;
			this.lastKey = null;
			counts();
		}

		refilter() {
			this.matches = 0;
			for (const div of this.box.children) {
				if (div.classList.contains('note'))
					continue;
				const ok = ui.filter === null || ui.filter(div.lpText);
				div.classList.toggle('hide', !ok);
				if (ok)
					this.matches++;
			}
			this.scroll();
		}

		download() {
			const ts = $('ts').checked;
			const text = [];
			for (const div of this.box.querySelectorAll('.l:not(.hide)'))
				text.push((ts && div.lpTs ? div.lpTs + ' ' : '') +
				    div.lpText + '\n');
			const url = URL.createObjectURL(new Blob(text,
			    { type: 'text/plain' }));
			const a = document.createElement('a');
			a.href = url;
			a.download = this.name + '.log';
			document.body.append(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(url), 1000);
		}
	}

	function counts() {
		let total = 0, matches = 0;
		for (const p of ui.panes) {
			const t = p.count;
			total += t;
			matches += p.matches;
			p.el.querySelector('.pcount').textContent = ui.filter ?
			    p.matches + '/' + t : t + ' lines';
		}
		$('count').textContent = ui.filter === null ? '' :
		    matches + ' of ' + total + ' match';
		$('count').dataset.matches = matches;
	}

	// Smart case: case-insensitive until the filter has a capital.
	function applyFilter() {
		const v = $('filter').value;
		const flags = v === v.toLowerCase() ? 'i' : '';
		$('filter').removeAttribute('aria-invalid');
		ui.filter = null;
		if (v !== '' && $('regex').checked) {
			try {
				const re = new RegExp(v, flags);
				ui.filter = (s) => re.test(s);
			} catch (e) {
				$('filter').setAttribute('aria-invalid', 'true');
			}
		} else if (v !== '') {
			const low = v.toLowerCase();
			ui.filter = flags ? (s) => s.toLowerCase().includes(low) :
			    (s) => s.includes(v);
		}
		for (const p of ui.panes)
			p.refilter();
		counts();
	}

	// --- panes and the address bar (#f=name,name: a reload reopens them)
	function saveHash() {
		const names = ui.panes.map((p) => p.name).join(',');
		history.replaceState(null, '', names ? '#f=' + enc(names) :
		    location.pathname);
	}

	function openPane(c) {
		const p = new Pane(c);
		ui.panes.push(p);
		$('panes').append(p.el);
		$('empty').hidden = true;
		$('panes').classList.toggle('wrap', $('wrap').checked);
		p.follow(false);
		return p;
	}

	function closePane(p) {
		p.abort();
		clearTimeout(p.flushing);
		p.el.remove();
		ui.panes = ui.panes.filter((x) => x !== p);
		$('empty').hidden = ui.panes.length > 0;
		saveHash();
		renderList();
		counts();
	}

	// Click on a name: this container alone (the others are aborted).
	function followOnly(c) {
		for (const p of ui.panes.slice())
			if (p.id !== c.Id)
				closePane(p);
		if (ui.panes.length === 0)
			openPane(c);
		saveHash();
		renderList();
	}

	function toggleBeside(c) {
		const p = ui.panes.find((x) => x.id === c.Id);
		if (p !== undefined)
			closePane(p);
		else if (ui.panes.length >= MAX_PANES)
			status('at most ' + MAX_PANES + ' side by side: a ' +
			    'browser opens only 6 connections to one host', true);
		else
			openPane(c);
		saveHash();
		renderList();
	}

	// --- the container list, live through /events
	function renderList() {
		const all = $('all').checked;
		const ul = $('containers');
		const shown = ui.containers.filter((c) => all ||
		    c.State === 'running' || ui.panes.some((p) => p.id === c.Id));
		ul.replaceChildren();
		shown.forEach((c, i) => {
			const li = document.createElement('li');
			const followed = ui.panes.some((p) => p.id === c.Id);
			li.className = c.State + (followed ? ' followed' : '');
			li.dataset.name = c.name;
			const pick = document.createElement('button');
			pick.type = 'button';
			pick.className = 'pick';
			pick.title = 'Follow ' + c.name + ' alone' +
			    (i < 9 ? ' (' + (i + 1) + ')' : '');
			for (const [cls, text] of [['cname', c.name],
			    ['cstate', c.State], ['cimg', c.Image],
			    ['cup', c.Status]]) {
				const s = document.createElement('span');
				s.className = cls;
				s.textContent = text;
				pick.append(s);
			}
			pick.onclick = () => followOnly(c);
			const add = document.createElement('button');
			add.type = 'button';
			add.className = 'add';
			add.textContent = followed ? '−' : '+';
			add.setAttribute('aria-label', (followed ? 'Stop following '
			    : 'Follow beside the others: ') + c.name);
			add.onclick = () => toggleBeside(c);
			li.append(pick, add);
			ul.append(li);
		});
		$('none').hidden = shown.length > 0;
	}

	async function refreshList() {
		clearTimeout(ui.listTimer);
		ui.listTimer = 0;
		if (ui.listCtl !== null)
			ui.listCtl.abort();
		const ctl = new AbortController();
		ui.listCtl = ctl;
		try {
			const list = await getJSON('/containers/json?all=1',
			    ctl.signal);
			for (const c of list)
				c.name = (c.Names[0] || c.Id).replace(/^\//, '');
			list.sort((a, b) => a.name.localeCompare(b.name));
			ui.containers = list;
			renderList();
			openFromHash();
		} catch (e) {
			if (!ctl.signal.aborted)
				status('cannot list containers: ' + e.message, true);
		} finally {
			if (ui.listCtl === ctl)
				ui.listCtl = null;
		}
		// "Up 5 minutes" changes while nothing happens.
		if (!ui.leaving && ui.listTimer === 0)
			ui.listTimer = setTimeout(refreshList, 15000);
	}

	let hashDone = false;
	function openFromHash() {
		if (hashDone)
			return;
		hashDone = true;
		const m = /^#f=(.*)$/.exec(location.hash);
		if (m === null)
			return;
		for (const name of decodeURIComponent(m[1]).split(',')) {
			const c = ui.containers.find((x) => x.name === name);
			if (c !== undefined && ui.panes.length < MAX_PANES &&
			    !ui.panes.some((p) => p.id === c.Id))
				openPane(c);
		}
		renderList();
	}

	function onEvent(ev) {
		if (ev.Type !== 'container')
			return;
		clearTimeout(ui.listTimer);	/* one list for a burst */
		ui.listTimer = setTimeout(refreshList, 100);
		const p = ui.panes.find((x) => x.id === ev.id);
		if (p !== undefined && ev.Action === 'start' && p.ctl === null)
			p.follow(true);
		if (p !== undefined && ev.Action === 'destroy') {
			p.abort();
			p.setState('ended', 'removed');
		}
	}

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	async function watchEvents() {
		let delay = 500;
		while (!ui.leaving) {
			const ctl = new AbortController();
			ui.events = ctl;
			try {
				const res = await fetch('/events?filters=' +
				    enc(JSON.stringify({ type: ['container'] })),
				    { signal: ctl.signal, cache: 'no-store' });
				if (!res.ok)
					throw new Error(await errorText(res));
				status('live');
				delay = 500;
				refreshList();	// subscribed first: nothing missed
				const reader = res.body.getReader();
				const lines = new Lines((s) => {
					if (s.trim() !== '')
						onEvent(JSON.parse(s));
				});
				for (;;) {
					const { value, done } = await reader.read();
					if (done)
						break;
					lines.push(value);
				}
				throw new Error('the events stream ended');
			} catch (e) {
				if (ctl.signal.aborted)
					return;
				status('lost the daemon (' + e.message +
				    '); retrying', true);
				await sleep(delay);
				delay = Math.min(delay * 2, 10000);
			}
		}
	}

	// --- options and keys
	function togglePause() {
		ui.paused = !ui.paused;
		$('pause').setAttribute('aria-pressed', String(ui.paused));
		$('pause').textContent = ui.paused ? 'resume' : 'pause';
		if (!ui.paused)
			for (const p of ui.panes) {
				p.stick = true;
				p.scroll();
			}
	}

	function flip(id) {
		$(id).checked = !$(id).checked;
		$(id).dispatchEvent(new Event('change'));
	}

	function setup() {
		let timer = 0;
		$('filter').addEventListener('input', () => {
			clearTimeout(timer);
			timer = setTimeout(applyFilter, 80);
		});
		$('regex').addEventListener('change', applyFilter);
		$('ts').addEventListener('change', () =>
		    $('panes').classList.toggle('no-ts', !$('ts').checked));
		$('wrap').addEventListener('change', () =>
		    $('panes').classList.toggle('wrap', $('wrap').checked));
		$('pause').addEventListener('click', togglePause);
		$('all').addEventListener('change', renderList);
		for (const id of ['tail', 'since'])
			$(id).addEventListener('change', () => {
				for (const p of ui.panes)
					p.follow(false);
			});
		$('help-btn').addEventListener('click', () => {
			$('help').hidden = !$('help').hidden;
			$('help-btn').setAttribute('aria-expanded',
			    String(!$('help').hidden));
		});
		document.addEventListener('keydown', (e) => {
			const t = e.target;
			if (e.key === 'Escape' && t === $('filter')) {
				$('filter').value = '';
				applyFilter();
				return;
			}
			if (e.ctrlKey || e.metaKey || e.altKey || t.matches(
			    'input:not([type=checkbox]), select, textarea'))
				return;
			const n = Number(e.key);
			if (e.key === '/') {
				e.preventDefault();
				$('filter').focus();
			} else if (e.key === 'p') togglePause();
			else if (e.key === 't') flip('ts');
			else if (e.key === 'w') flip('wrap');
			else if (e.key === 's') flip('all');
			else if (e.key === '?') $('help-btn').click();
			else if (n >= 1 && n <= 9) {
				const li = $('containers').children[n - 1];
				if (li !== undefined)
					li.querySelector('.pick').click();
			}
		});
		$('panes').classList.add('wrap');
		// Leaving (another page, a reload, the tab closed, or the page
		// kept in the back/forward cache): every stream is aborted now,
		// not when the browser gets round to it.
		addEventListener('pagehide', () => {
			ui.leaving = true;
			clearTimeout(ui.listTimer);
			if (ui.events !== null)
				ui.events.abort();
			if (ui.listCtl !== null)
				ui.listCtl.abort();
			for (const p of ui.panes)
				p.abort();
		});
		addEventListener('pageshow', (e) => {
			if (!e.persisted)
				return;
			ui.leaving = false;
			watchEvents();
			for (const p of ui.panes)
				p.follow(true);
		});
		watchEvents();
	}

	setup();
})();
