// Reads values the way WSO2 Carbon does, with the JDK alone (no BouncyCastle or Gson on the test machine):
// Base64 -> JSON envelope -> JCE Cipher, with OAEP parameters spelled out as BouncyCastle applies them
// (OAEPWithSHA-256AndMGF1Padding = SHA-256 for the digest AND for MGF1). Used by java-interop.spec.ts.
//
// Usage: java Wso2Reader.java <keystore.p12> <password> <alias> <aes key, hex> <values file, one stored value per line>
// Prints, per value, "<thumbprint or AES key id>\t<Base64 of the UTF-8 plaintext>".
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

public class Wso2Reader {
  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
    if (!m.find()) throw new IllegalArgumentException("no field " + name);
    return m.group(1).replace("\\u003d", "=");
  }

  public static void main(String[] args) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(args[0])) { ks.load(in, args[1].toCharArray()); }
    PrivateKey key = (PrivateKey) ks.getKey(args[2], args[1].toCharArray());
    String thumbprint = HexFormat.of().withUpperCase().formatHex(
        MessageDigest.getInstance("SHA-1").digest(ks.getCertificate(args[2]).getEncoded()));
    byte[] aesKey = HexFormat.of().parseHex(args[3]);
    Base64.Decoder b64 = Base64.getDecoder();
    for (String stored : Files.readAllLines(Path.of(args[4]))) {
      String json = new String(b64.decode(stored), StandardCharsets.UTF_8);
      String t = field(json, "t");
      byte[] plain;
      String id;
      if (t.equals("AES/GCM/NoPadding")) {
        String inner = new String(b64.decode(field(json, "c")), StandardCharsets.UTF_8);
        Cipher c = Cipher.getInstance(t);
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"),
            new GCMParameterSpec(128, b64.decode(field(inner, "initializationVector"))));
        plain = c.doFinal(b64.decode(field(inner, "cipher")));
        id = field(inner, "keyId");
      } else {
        String digest = t.equals("RSA/ECB/OAEPWithSHA-256AndMGF1Padding") ? "SHA-256" : "SHA-1";
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, key, new OAEPParameterSpec(digest, "MGF1",
            digest.equals("SHA-256") ? MGF1ParameterSpec.SHA256 : MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT));
        plain = c.doFinal(b64.decode(field(json, "c")));
        id = field(json, "tp");
        if (!id.equals(thumbprint)) throw new IllegalStateException("tp " + id + " is not the keystore's " + thumbprint);
      }
      System.out.println(id + "\t" + Base64.getEncoder().encodeToString(plain));
    }
  }
}
