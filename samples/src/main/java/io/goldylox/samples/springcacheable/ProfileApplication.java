package io.goldylox.samples.springcacheable;

import javax.cache.CacheManager;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.jcache.JCacheCacheManager;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot application the way a Spring user writes one, with no Goldylox-specific setting: its
 * {@code profile-app.properties} says {@code spring.cache.type=jcache} and {@code spring.cache.cache-names=profiles},
 * so Boot creates the cache with a plain {@code new MutableConfiguration<>()} (store-by-value, the JSR-107 default).
 * The one provider choice is Boot's standard {@code spring.cache.jcache.provider}, needed only when two JCache
 * providers are on the class path ({@link CacheableSpeed} and its test run this app on Goldylox and on Caffeine).
 *
 * <p>It reads {@code profile-app.properties} rather than {@code application.properties} only because the samples
 * module shares one class path with the Price sample, whose {@code application.properties} points Boot at a
 * Goldylox file. Started and closed on the caller's thread; {@link ProfileService} is called on any thread.
 */
@SpringBootApplication
@EnableCaching
public class ProfileApplication {

  /** Goldylox's provider, as {@code spring.cache.jcache.provider} names it. */
  public static final String GOLDYLOX = "io.goldylox.spi.GoldyloxCachingProvider";
  /** Caffeine's JCache provider (artifact {@code com.github.ben-manes.caffeine:jcache}). */
  public static final String CAFFEINE = "com.github.benmanes.caffeine.jcache.spi.CaffeineCachingProvider";

  /**
   * Starts the application with {@code spring.cache.jcache.provider=provider}, or with Boot's own provider lookup
   * when {@code provider} is null (one JCache provider on the class path).
   */
  public static ConfigurableApplicationContext start(String provider, String... args) {
    String[] all = new String[args.length + (provider == null ? 1 : 2)];
    all[0] = "--spring.config.name=profile-app";
    if (provider != null) {
      all[1] = "--spring.cache.jcache.provider=" + provider;
    }
    System.arraycopy(args, 0, all, all.length - args.length, args.length);
    return SpringApplication.run(ProfileApplication.class, all);
  }

  /** The JCache manager behind Spring's {@code JCacheCacheManager} in {@code context}. */
  public static CacheManager jcacheManager(ConfigurableApplicationContext context) {
    return ((JCacheCacheManager) context.getBean(org.springframework.cache.CacheManager.class)).getCacheManager();
  }

  /** Looks a profile up twice on the only JCache provider of the class path and prints what happened. */
  public static void main(String[] args) {
    try (ConfigurableApplicationContext context = start(null, args)) {
      ProfileService profiles = context.getBean(ProfileService.class);
      System.out.println("JCache manager: " + jcacheManager(context));
      for (int call = 1; call <= 2; call++) {
        UserProfile profile = profiles.profile("user-42");
        System.out.println(profile + " (lookups so far: " + profiles.lookups() + ")");
      }
    }
  }
}
