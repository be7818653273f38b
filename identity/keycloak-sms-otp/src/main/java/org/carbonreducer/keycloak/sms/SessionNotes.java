package org.carbonreducer.keycloak.sms;

import java.util.HashMap;
import java.util.Map;
import org.keycloak.sessions.AuthenticationSessionModel;

/** Reads and writes an {@link OtpChallenge} in the authentication session's auth notes. */
final class SessionNotes {
  private SessionNotes() {}

  static OtpChallenge load(AuthenticationSessionModel session) {
    Map<String, String> notes = new HashMap<>();
    for (String key : OtpChallenge.noteKeys()) {
      String value = session.getAuthNote(key);
      if (value != null) notes.put(key, value);
    }
    return OtpChallenge.fromNotes(notes);
  }

  static void save(AuthenticationSessionModel session, OtpChallenge challenge) {
    if (challenge == null) {
      clear(session);
      return;
    }
    challenge.toNotes().forEach(session::setAuthNote);
  }

  static void clear(AuthenticationSessionModel session) {
    for (String key : OtpChallenge.noteKeys()) session.removeAuthNote(key);
  }
}
