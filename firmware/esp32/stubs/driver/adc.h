#pragma once
#include "esp_err.h"
typedef enum { ADC_WIDTH_BIT_12 = 3 } adc_bits_width_t;
typedef enum { ADC_ATTEN_DB_11 = 3 } adc_atten_t;
typedef enum { ADC1_CHANNEL_6 = 6 } adc1_channel_t;
esp_err_t adc1_config_width(adc_bits_width_t width_bit);
esp_err_t adc1_config_channel_atten(adc1_channel_t channel, adc_atten_t atten);
int adc1_get_raw(adc1_channel_t channel);
