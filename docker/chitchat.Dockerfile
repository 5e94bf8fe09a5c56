# Chitty-Chat images: one Dockerfile, two targets.
#
#   ./mvnw -q package -DskipTests        # builds cli/target/chitchat.jar; nothing is compiled here
#   docker build -f docker/chitchat.Dockerfile --target server      -t chitchat-server .
#   docker build -f docker/chitchat.Dockerfile --target participant -t chitchat-participant .
#
# The base is any image with a Java 17+ runtime on the PATH and /bin/sh (Testcontainers'
# Wait.forListeningPort() runs its port check through sh). The default is a public JRE image; on a
# machine without a registry pass a locally built one: --build-arg JRE_IMAGE=chitchat-jre:17-bookworm
# (.ci/docker-setup builds it with debootstrap). docs/containers.md has the details.
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JRE_IMAGE} AS chitchat
COPY cli/target/chitchat.jar /opt/chitchat/chitchat.jar
# The JSON Lines logs of the run; mount the directory that every process of the run shares.
WORKDIR /logs
ENV LANG=C.UTF-8
# The same JVM flags as ./chitchat: gRPC's java.util.logging through log4j2, a quick start.
ENTRYPOINT ["java", "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager", \
    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "/opt/chitchat/chitchat.jar"]
CMD ["--help"]

# The server: listens on 50051, logs to /logs/server.jsonl. Arguments replace the CMD:
#   docker run chitchat-server --port 50051 --log-dir /logs/run1
# As with ./chitchat, the server, which may run for days, keeps the optimising compiler (C2).
FROM chitchat AS server
EXPOSE 50051
ENTRYPOINT ["java", "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager", \
    "-XX:+UseSerialGC", "-jar", "/opt/chitchat/chitchat.jar", "server"]
CMD ["--port", "50051", "--log-dir", "/logs"]

# A participant: serves Broadcast on 50061, on the container's address that faces the server, and
# declares that port in Join; the server dials back the address the Join came from (the same one).
# Give it a name and the server:
#   docker run -i chitchat-participant --name Alex --server server:50051 --port 50061 --log-dir /logs
# or a script to play:  ... --script /scenarios/default.scenario
FROM chitchat AS participant
EXPOSE 50061
ENTRYPOINT ["java", "-Djava.util.logging.manager=org.apache.logging.log4j.jul.LogManager", \
    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", "/opt/chitchat/chitchat.jar", "participant"]
CMD ["--help"]
