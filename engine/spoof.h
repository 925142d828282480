/*
 * spoof.h - which header addresses an authenticated login may use
 * (engine/spoof.c): the sender login map of mailsift.yaml milter.login_maps
 */
#ifndef MS_SPOOF_H
#define MS_SPOOF_H

#include "policy.h"

#include <mailsift/mailsift.h>

#include <stdbool.h>

/* Load a login map file (Postfix smtpd_sender_login_maps source form:
 * "address login[, login...]"; "@domain" keys the whole domain; '#'
 * comments) into p. Errors name file:line. */
bool ms_spoof_load_map(ms_policy_conf *p, const char *path, ms_error *err);

/* May login use address (a header From or Sender)? */
bool ms_spoof_allowed(const ms_policy_conf *p, const char *login, const char *address);

#endif
