/*
 * carbonreducer_denials: counts the publishes and subscriptions Mosquitto refuses because no ACL allows them, per
 * topic, and publishes the counts on $SYS/broker/carbonreducer/denied, where Telegraf reads them (issue #21: a device
 * publishing where its ACL does not allow it was refused by the broker and counted nowhere).
 *
 * Why this is the denial and nothing else: Mosquitto (2.0, src/security.c mosquitto_acl_check) asks the v5 plugins'
 * ACL callbacks in the order they are loaded and stops at the first answer that is not MOSQ_ERR_PLUGIN_DEFER; when
 * all defer, the access is denied. The dynamic-security plugin, loaded first (mosquitto.conf), answers "allowed" when
 * a role of the client allows the access and defers when none matches and its default access is deny (acl.c
 * acl_check; mosquitto_ctrl dynsec init makes publishClientSend and subscribe default to deny). So this plugin,
 * loaded after it, is asked exactly for the publishes and subscriptions that will be refused, and it only defers: it
 * cannot change a decision. What it does not see: an ACL with allow=false (the dynamic-security plugin answers that
 * itself; our roles have none for publishing or subscribing: dynsec-setup.sh, api/src/adapters/dynsec.ts) and
 * publishes to $SYS/ (refused by the broker before any plugin).
 *
 * Bounded: at most max_topics (topic, action) counters, topics cut to 200 bytes (at a UTF-8 boundary), the rest
 * counted as "(other topics)"; one report every `interval` seconds, only when a count changed, with the totals and the
 * counters that changed. Counts are since the broker started ("since" in the report). No debug logging needed:
 * Mosquitto 2.0.11 logs "Denied PUBLISH" only at debug level, which logs every message several times.
 *
 * Options (plugin_opt_… after its `plugin` line): interval (s, default 10), max_topics (default 1000), topic.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#define MAX_TOPIC_BYTES 200
#define OTHER_TOPICS "(other topics)"

enum action { ACTION_PUBLISH = 0, ACTION_SUBSCRIBE = 1 };
static const char *action_names[] = {"publish", "subscribe"};

struct counter {
	char *topic; /* NULL: free slot */
	int action;
	uint64_t count;
	bool changed;
};

static mosquitto_plugin_id_t *plugin_id;
static struct counter *table;
static size_t table_size; /* a power of two, at least twice max_topics */
static size_t used;
static size_t max_topics = 1000;
static struct counter other[2];
static uint64_t totals[2];
static bool any_changed;
static long interval_s = 10;
static time_t since;
static struct timespec next_report;
static char *report_topic;

static uint64_t hash(const char *s, size_t n, int action)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)action;
	for(size_t i = 0; i < n; i++){
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Length of topic cut to at most MAX_TOPIC_BYTES without splitting a UTF-8 sequence (the broker validated it). */
static size_t cut_length(const char *topic)
{
	size_t n = strlen(topic);
	if(n <= MAX_TOPIC_BYTES) return n;
	n = MAX_TOPIC_BYTES;
	while(n > 0 && ((unsigned char)topic[n] & 0xC0) == 0x80) n--;
	return n;
}

static void count(const char *topic, int action)
{
	size_t n = cut_length(topic);
	size_t i = (size_t)hash(topic, n, action) & (table_size - 1);
	struct counter *c = NULL;

	totals[action]++;
	any_changed = true;
	for(;;){
		struct counter *slot = &table[i];
		if(slot->topic == NULL) break;
		if(slot->action == action && strlen(slot->topic) == n && !memcmp(slot->topic, topic, n)){
			c = slot;
			break;
		}
		i = (i + 1) & (table_size - 1);
	}
	if(c == NULL){
		if(used >= max_topics){
			c = &other[action];
		}else{
			c = &table[i];
			c->topic = mosquitto_malloc(n + 1);
			if(c->topic == NULL){
				c = &other[action];
			}else{
				memcpy(c->topic, topic, n);
				c->topic[n] = '\0';
				c->action = action;
				used++;
			}
		}
	}
	c->count++;
	c->changed = true;
}

static int acl_callback(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_acl_check *ed = event_data;
	(void)event;
	(void)userdata;
	if(ed->topic != NULL){
		if(ed->access == MOSQ_ACL_WRITE){
			count(ed->topic, ACTION_PUBLISH);
		}else if(ed->access == MOSQ_ACL_SUBSCRIBE){
			count(ed->topic, ACTION_SUBSCRIBE);
		}
	}
	/* Observe only: every plugin deferring is a denial, as without this one. */
	return MOSQ_ERR_PLUGIN_DEFER;
}

/* A growable buffer for the JSON report. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if(b->failed) return;
	if(b->len + n + 1 > b->cap){
		size_t cap = b->cap ? b->cap : 4096;
		while(b->len + n + 1 > cap) cap *= 2;
		char *p = mosquitto_realloc(b->p, cap);
		if(p == NULL){
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s) { put(b, s, strlen(s)); }

static void put_json_string(struct buf *b, const char *s)
{
	char esc[8];
	put(b, "\"", 1);
	for(const unsigned char *c = (const unsigned char *)s; *c; c++){
		if(*c == '"' || *c == '\\'){
			esc[0] = '\\';
			esc[1] = (char)*c;
			put(b, esc, 2);
		}else if(*c < 0x20){
			snprintf(esc, sizeof(esc), "\\u%04x", *c);
			put(b, esc, 6);
		}else{
			put(b, (const char *)c, 1);
		}
	}
	put(b, "\"", 1);
}

static void put_counter(struct buf *b, const struct counter *c, const char *topic, bool *first)
{
	char num[64];
	puts_(b, *first ? "{\"action\":\"" : ",{\"action\":\"");
	*first = false;
	puts_(b, action_names[c->action]);
	puts_(b, "\",\"topic\":");
	put_json_string(b, topic);
	snprintf(num, sizeof(num), ",\"messages\":%llu}", (unsigned long long)c->count);
	puts_(b, num);
}

static void report(void)
{
	struct buf b = {0};
	char head[160];
	bool first = true;

	snprintf(head, sizeof(head), "{\"v\":1,\"since\":%lld,\"reason\":\"no_acl_allows\",\"publish\":%llu,\"subscribe\":%llu,\"topics\":[",
			(long long)since, (unsigned long long)totals[ACTION_PUBLISH], (unsigned long long)totals[ACTION_SUBSCRIBE]);
	puts_(&b, head);
	for(size_t i = 0; i < table_size; i++){
		if(table[i].topic != NULL && table[i].changed){
			put_counter(&b, &table[i], table[i].topic, &first);
		}
	}
	for(int a = 0; a < 2; a++){
		if(other[a].changed) put_counter(&b, &other[a], OTHER_TOPICS, &first);
	}
	puts_(&b, "]}");
	if(b.failed){
		mosquitto_log_printf(MOSQ_LOG_WARNING, "carbonreducer_denials: out of memory for the report; trying again later");
	}else if(mosquitto_broker_publish_copy(NULL, report_topic, (int)b.len, b.p, 1, false, NULL) == MOSQ_ERR_SUCCESS){
		for(size_t i = 0; i < table_size; i++) table[i].changed = false;
		other[0].changed = other[1].changed = false;
		any_changed = false;
	}
	mosquitto_free(b.p);
}

static int tick_callback(int event, void *event_data, void *userdata)
{
	struct timespec now;
	(void)event;
	(void)event_data;
	(void)userdata;
	if(!any_changed) return MOSQ_ERR_SUCCESS;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if(now.tv_sec < next_report.tv_sec) return MOSQ_ERR_SUCCESS;
	next_report.tv_sec = now.tv_sec + interval_s;
	report();
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for(int i = 0; i < supported_version_count; i++){
		if(supported_versions[i] == 5) return 5;
	}
	return -1;
}

static int parse_positive(const char *key, const char *value, long max, long *out)
{
	char *end;
	long v = strtol(value, &end, 10);
	if(*value == '\0' || *end != '\0' || v < 1 || v > max){
		mosquitto_log_printf(MOSQ_LOG_ERR, "carbonreducer_denials: plugin_opt_%s must be a whole number from 1 to %ld, not \"%s\"",
				key, max, value);
		return MOSQ_ERR_INVAL;
	}
	*out = v;
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **user_data, struct mosquitto_opt *opts, int opt_count)
{
	long v;
	const char *topic = "$SYS/broker/carbonreducer/denied";
	(void)user_data;

	for(int i = 0; i < opt_count; i++){
		if(!strcmp(opts[i].key, "interval")){
			if(parse_positive("interval", opts[i].value, 3600, &v)) return MOSQ_ERR_INVAL;
			interval_s = v;
		}else if(!strcmp(opts[i].key, "max_topics")){
			if(parse_positive("max_topics", opts[i].value, 1000000, &v)) return MOSQ_ERR_INVAL;
			max_topics = (size_t)v;
		}else if(!strcmp(opts[i].key, "topic")){
			topic = opts[i].value;
		}else{
			mosquitto_log_printf(MOSQ_LOG_ERR, "carbonreducer_denials: unknown option plugin_opt_%s (known: interval, max_topics, topic)",
					opts[i].key);
			return MOSQ_ERR_INVAL;
		}
	}
	report_topic = mosquitto_strdup(topic);
	for(table_size = 16; table_size < 2 * max_topics; table_size *= 2){}
	table = mosquitto_calloc(table_size, sizeof(*table));
	if(table == NULL || report_topic == NULL) return MOSQ_ERR_NOMEM;
	other[ACTION_PUBLISH].action = ACTION_PUBLISH;
	other[ACTION_SUBSCRIBE].action = ACTION_SUBSCRIBE;
	since = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &next_report);
	plugin_id = identifier;
	if(mosquitto_callback_register(plugin_id, MOSQ_EVT_ACL_CHECK, acl_callback, NULL, NULL)
			|| mosquitto_callback_register(plugin_id, MOSQ_EVT_TICK, tick_callback, NULL, NULL)){
		return MOSQ_ERR_UNKNOWN;
	}
	mosquitto_log_printf(MOSQ_LOG_NOTICE, "carbonreducer_denials: counting refused publishes and subscriptions per topic on %s every %ld s",
			report_topic, interval_s);
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_cleanup(void *user_data, struct mosquitto_opt *opts, int opt_count)
{
	(void)user_data;
	(void)opts;
	(void)opt_count;
	if(plugin_id){
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_ACL_CHECK, acl_callback, NULL);
		mosquitto_callback_unregister(plugin_id, MOSQ_EVT_TICK, tick_callback, NULL);
	}
	for(size_t i = 0; i < table_size; i++) mosquitto_free(table[i].topic);
	mosquitto_free(table);
	mosquitto_free(report_topic);
	table = NULL;
	report_topic = NULL;
	return MOSQ_ERR_SUCCESS;
}
