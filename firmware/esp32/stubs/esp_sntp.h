#pragma once
#include <sys/time.h>
typedef enum { SNTP_SYNC_STATUS_RESET, SNTP_SYNC_STATUS_COMPLETED, SNTP_SYNC_STATUS_IN_PROGRESS } sntp_sync_status_t;
#define ESP_SNTP_OPMODE_POLL 0
typedef void (*sntp_sync_time_cb_t)(struct timeval* tv);
void esp_sntp_setoperatingmode(int mode);
void esp_sntp_setservername(unsigned char idx, const char* server);
void esp_sntp_init(void);
void sntp_set_time_sync_notification_cb(sntp_sync_time_cb_t callback);
sntp_sync_status_t sntp_get_sync_status(void);
