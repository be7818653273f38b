package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every message key the Java code and the templates use has an English text in the theme's messages. */
class MessagesTest {
  private static final Pattern JAVA_KEY = Pattern.compile("\"((?:smsOtp|smsPhone|secondFactor)[A-Za-z]+)\"");
  private static final Pattern TEMPLATE_KEY = Pattern.compile("(?:msg\\(|label=)\"((?:smsOtp|smsPhone|secondFactor)[A-Za-z]+)\"");

  @Test
  void everyUsedKeyHasAText() throws IOException {
    Properties messages = new Properties();
    try (InputStream in = getClass().getResourceAsStream("/theme-resources/messages/messages_en.properties")) {
      messages.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    }
    TreeSet<String> used = new TreeSet<>();
    collect(Path.of("src/main/java"), JAVA_KEY, used);
    collect(Path.of("src/main/resources/theme-resources/templates"), TEMPLATE_KEY, used);
    assertTrue(used.size() > 20, "found only " + used);
    TreeSet<String> missing = new TreeSet<>(used);
    missing.removeIf(messages::containsKey);
    assertTrue(missing.isEmpty(), "keys without a text: " + missing);
  }

  private static void collect(Path dir, Pattern pattern, TreeSet<String> into) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Matcher m = pattern.matcher(Files.readString(file));
        while (m.find()) into.add(m.group(1));
      }
    }
  }
}
