# Build a static binary, then run it as an unprivileged user in a minimal image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/partnerboard ./cmd/partnerboard \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/partnerboard /partnerboard
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV PARTNERBOARD_ADDR=0.0.0.0:8080 PARTNERBOARD_DATA=/data
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/partnerboard"]
